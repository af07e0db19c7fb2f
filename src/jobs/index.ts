export { JobService } from './service.js';
export type { CreatedJob, ExportJobRequest } from './service.js';
export type { StoredJob } from './repository.js';
export { startQueue, queueSchemaOf, EXPORT_QUEUE } from './queue.js';
export { startWorker, processExport, bundleKeyOf } from './worker.js';
export type { WorkerDeps } from './worker.js';
export { runExport } from './pipeline.js';
export type { ExportDeps, ExportOutcome, ExportRequest } from './pipeline.js';
export { toAuditLine } from './sources.js';
