export {
  AuditTrail,
  OWN_SOURCE_FORMAT,
  type AuditRecord,
  type AuditSink,
} from './trail.js';
