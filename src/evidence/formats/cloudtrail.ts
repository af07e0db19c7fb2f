import { createHash } from 'node:crypto';
import {
  isObject,
  toObjects,
  toText,
  toTime,
  tryParseJson,
  type JsonObject,
  type ParsedAuditEvent,
} from './shared.js';

/** True for a CloudTrail record (the log-file and event-history shape). */
export function isCloudTrailRecord(value: JsonObject): boolean {
  return (
    typeof value.eventVersion === 'string' &&
    typeof value.eventSource === 'string' &&
    'eventTime' in value
  );
}

/**
 * True for one answer of `aws cloudtrail lookup-events`: a summary whose
 * CloudTrailEvent field holds the full record as an escaped JSON string.
 */
export function isLookupEvent(value: JsonObject): boolean {
  return typeof value.CloudTrailEvent === 'string' && 'EventId' in value;
}

/** True for a CloudTrail log file: `{"Records": [...]}`. */
export function isCloudTrailFile(value: JsonObject): boolean {
  const records = toObjects(value.Records);
  return records.length > 0 && records.every(isCloudTrailRecord);
}

/** Reads a CloudTrail record, or a lookup-events answer around one. */
export function readCloudTrail(
  value: JsonObject,
  original: string,
): ParsedAuditEvent | string {
  const record = isLookupEvent(value)
    ? tryParseJson(String(value.CloudTrailEvent))
    : value;
  if (!isObject(record) || !isCloudTrailRecord(record)) {
    return 'CloudTrailEvent is not a CloudTrail record';
  }
  const time = toTime(record.eventTime);
  if (!time) {
    return 'no valid eventTime (RFC 3339, a real date, 1970–9999)';
  }
  return {
    eventTime: time,
    id:
      toText(record.eventID) ??
      createHash('sha256').update(original).digest('hex'),
    actor: actorOf(record),
    action: toText(record.eventName),
    resource: toText(toObjects(record.resources)[0]?.ARN),
    outcome: outcomeOf(record),
    original,
  };
}

// A failed call carries errorCode (AWS CloudTrail record contents).
function outcomeOf(record: JsonObject): string {
  const code = toText(record.errorCode);
  return code ? `failure:${code}` : 'success';
}

function actorOf(record: JsonObject): string | null {
  const who = isObject(record.userIdentity) ? record.userIdentity : {};
  return (
    toText(who.arn) ??
    toText(who.userName) ??
    toText(who.principalId) ??
    toText(who.invokedBy) ??
    toText(who.type)
  );
}
