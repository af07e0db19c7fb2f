import {
  toText,
  toTime,
  type JsonObject,
  type ParsedAuditEvent,
} from './shared.js';

/**
 * True for a Microsoft 365 unified audit log record (Office 365
 * Management Activity API common schema: Id, RecordType, CreationTime,
 * Operation, Workload).
 */
export function isM365Record(value: JsonObject): boolean {
  return (
    typeof value.Id === 'string' &&
    typeof value.CreationTime === 'string' &&
    typeof value.Operation === 'string' &&
    'RecordType' in value &&
    'Workload' in value
  );
}

// The schema states CreationTime in UTC and writes no zone designator.
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?$/;

/**
 * Reads one unified audit log record. CreationTime is UTC by the schema
 * and written without a zone (2022-05-07T12:55:53); only that exact
 * shape is read as UTC, anything else must carry its zone.
 */
export function readM365Record(
  record: JsonObject,
  original: string,
): ParsedAuditEvent | string {
  const written = String(record.CreationTime);
  const time = toTime(ZONELESS.test(written) ? `${written}Z` : written);
  if (!time) return 'no valid CreationTime (a real date, 1970–9999, UTC)';
  return {
    eventTime: time,
    id: String(record.Id),
    actor: toText(record.UserId) ?? toText(record.UserKey),
    action: toText(record.Operation),
    resource: toText(record.ObjectId),
    outcome: outcomeOf(toText(record.ResultStatus)),
    original,
  };
}

// Workloads spell success differently: Succeeded, Success, True.
function outcomeOf(status: string | null): string | null {
  if (!status) return null;
  const state = status.toLowerCase();
  if (['succeeded', 'success', 'true'].includes(state)) return 'success';
  if (['failed', 'failure', 'false'].includes(state)) {
    return `failure:${status}`;
  }
  return state;
}
