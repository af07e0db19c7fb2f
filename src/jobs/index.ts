export { JobService } from './service.js';
export type { CreatedJob, ExportJobRequest } from './service.js';
export type { StoredJob } from './repository.js';
export {
  startQueue,
  queueSchemaOf,
  sendInTransaction,
  EXPORT_QUEUE,
} from './queue.js';
export {
  ExportWorker,
  bundleKeyOf,
  stagingPrefixOf,
  quarantineKeyOf,
  type WorkerDeps,
  type WorkerSettings,
} from './worker.js';
export type { JobEvents } from './events.js';
export { Failpoints, FAILPOINT_NAMES } from './failpoints.js';
export type { FailpointName } from './failpoints.js';
export { classifyFailure } from './failures.js';
export { backoffDelay } from './backoff.js';
export { jobQueries } from './repository.js';
export type { JobListOptions, JobPage, ServiceLimits } from './service.js';
export { EvidenceSources } from './sources.js';
export { runExport } from './pipeline.js';
export type { ExportDeps, ExportOutcome, ExportRequest } from './pipeline.js';
export { toAuditLine } from './sources.js';
export {
  RetentionSweeper,
  expiryOf,
  retentionDaysOf,
  withTenantDays,
  retentionFromConfig,
} from './retention.js';
export type { RetentionPolicy, SweepResult } from './retention.js';
