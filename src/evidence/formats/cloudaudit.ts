import {
  isObject,
  toText,
  toTime,
  type JsonObject,
  type ParsedAuditEvent,
} from './shared.js';

const AUDIT_LOG = 'type.googleapis.com/google.cloud.audit.AuditLog';

/**
 * True for a Google Cloud Logging entry (LogEntry: logName, insertId and
 * a time). Only entries carrying an AuditLog are audit events; the reader
 * says so of the others, line by line.
 */
export function isCloudLoggingEntry(value: JsonObject): boolean {
  return (
    typeof value.logName === 'string' &&
    typeof value.insertId === 'string' &&
    'timestamp' in value
  );
}

/**
 * Reads one Cloud Audit Logs entry. The time is the entry's `timestamp`
 * (when the operation happened, often to the nanosecond), not
 * receiveTimestamp (when Logging got it). The id is insertId, which
 * Logging keeps unique within a log.
 */
export function readCloudAudit(
  entry: JsonObject,
  original: string,
): ParsedAuditEvent | string {
  const payload = isObject(entry.protoPayload) ? entry.protoPayload : null;
  if (!payload || payload['@type'] !== AUDIT_LOG) {
    const kind = ['jsonPayload', 'textPayload', 'protoPayload'].find(
      (k) => k in entry,
    );
    return `a Cloud Logging entry without an AuditLog (${kind ?? 'no payload'}): not an audit event`;
  }
  const time = toTime(entry.timestamp);
  if (!time) return 'no valid timestamp (RFC 3339, a real date, 1970–9999)';
  const auth = isObject(payload.authenticationInfo)
    ? payload.authenticationInfo
    : {};
  return {
    eventTime: time,
    id: String(entry.insertId),
    actor: toText(auth.principalEmail) ?? toText(auth.principalSubject),
    action: toText(payload.methodName),
    resource: toText(payload.resourceName),
    outcome: outcomeOf(payload),
    original,
  };
}

// google.rpc.Status: code 0 (or no status) is success.
function outcomeOf(payload: JsonObject): string {
  const status = isObject(payload.status) ? payload.status : {};
  const code = Number(status.code ?? 0);
  return code === 0 || Number.isNaN(code) ? 'success' : `failure:${code}`;
}
