import { auditFormatOf, readEntry } from './formats/events.js';
import { isObject, type ParsedAuditEvent } from './formats/shared.js';

/** An audit event read from one record, with the format that read it. */
export type ReadRecord = ParsedAuditEvent & { format: string };

/**
 * Reads one audit record that arrived on its own (a connector's page
 * item), in whichever supported format owns it. Its original is the
 * record re-serialised, as for records inside a container file. Answers
 * why not, in words, when no format owns it or its owner cannot read it.
 */
export function readAuditRecord(record: unknown): ReadRecord | string {
  if (!isObject(record)) return 'not a JSON object';
  const format = auditFormatOf(record);
  if (!format) return 'a record in no supported audit format';
  const event = readEntry(format, [record, JSON.stringify(record), 1]);
  return 'message' in event ? event.message : { ...event, format: format.name };
}
