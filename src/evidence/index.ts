export { EvidenceStore, type StreamOptions } from './store.js';
export {
  detectEvidence,
  type Detection,
  type LineError,
  type ParsedAuditEvent,
} from './detect.js';
export {
  ingestFile,
  ingestPaths,
  type FileIngestOptions,
  type IngestFileResult,
  type IngestOptions,
  type IngestSummary,
} from './ingest.js';
export { MAX_FILE_BYTES } from './walk.js';
export { DEMO_TENANTS, seedDemoTenants, type SeedResult } from './demo.js';
export { readAuditRecord, type ReadRecord } from './record.js';
export {
  manifestFactsOf,
  jurisdictionsOf,
  type ManifestFacts,
} from './facts.js';
export { INGEST_RULE } from './ingest.js';
export {
  toGenericAuditFields,
  type GenericAuditFields,
} from './formats/generic.js';
