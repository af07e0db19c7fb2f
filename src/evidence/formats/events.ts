import {
  isCloudTrailFile,
  isCloudTrailRecord,
  isLookupEvent,
  readCloudTrail,
} from './cloudtrail.js';
import { isAzureActivity, readAzureActivity } from './azure.js';
import { isCloudLoggingEntry, readCloudAudit } from './cloudaudit.js';
import {
  ownsGeneric,
  readGeneric,
  type GenericAuditFields,
} from './generic.js';
import { isM365Record, readM365Record } from './m365.js';
import {
  isKubernetesEvent,
  isKubernetesEventList,
  readKubernetesEvent,
} from './kubernetes.js';
import { leapSecondWarning } from '../../domain/index.js';
import {
  MAX_RECORD_BYTES,
  toObjects,
  type Detection,
  type EventReader,
  type JsonObject,
  type LineError,
  type ParsedAuditEvent,
} from './shared.js';

/** An audit format: its stable name, which records it owns, and a reader. */
export interface AuditFormat {
  name: string;
  owns: (record: JsonObject) => boolean;
  read: EventReader;
}

/** What detection may be told beyond the bytes. */
export interface DetectOptions {
  /** Where the fields sit in JSON Lines audit logs of no known format. */
  genericAudit?: GenericAuditFields;
}

export const AUDIT_FORMATS: readonly AuditFormat[] = [
  {
    name: 'kubernetes-audit',
    owns: isKubernetesEvent,
    read: readKubernetesEvent,
  },
  {
    name: 'cloudtrail',
    owns: (r) => isCloudTrailRecord(r) || isLookupEvent(r),
    read: readCloudTrail,
  },
  { name: 'gcp-cloud-audit', owns: isCloudLoggingEntry, read: readCloudAudit },
  {
    name: 'azure-activity-log',
    owns: isAzureActivity,
    read: readAzureActivity,
  },
  { name: 'm365-unified-audit', owns: isM365Record, read: readM365Record },
];

/** The audit format that owns a record, if any. */
export function auditFormatOf(record: JsonObject): AuditFormat | undefined {
  return AUDIT_FORMATS.find((format) => format.owns(record));
}

/**
 * The configured generic format, when a record of no known format has
 * its mapped time field. Tried last: a known format always wins.
 */
export function genericFormatOf(
  record: JsonObject,
  options: DetectOptions,
): AuditFormat | undefined {
  const fields = options.genericAudit;
  if (!fields || !ownsGeneric(fields)(record)) return undefined;
  return {
    name: GENERIC_FORMAT,
    owns: ownsGeneric(fields),
    read: readGeneric(fields),
  };
}

/** The format name of audit events read through a configured mapping. */
export const GENERIC_FORMAT = 'generic-jsonl';

/**
 * Reads audit events from one whole JSON value: a single event (its
 * original is the whole file), or a container of records (a Kubernetes
 * EventList, a CloudTrail `{"Records": [...]}` file). Records inside a
 * container cannot be cut out of the file byte for byte, so their
 * original is the record re-serialised with JSON.stringify.
 */
export function readAuditValue(
  value: JsonObject,
  text: string,
): Detection | null {
  const single = auditFormatOf(value);
  if (single) return collect(single, [[value, text, 1]]);
  const container = isKubernetesEventList(value)
    ? { format: AUDIT_FORMATS[0], items: value.items }
    : isCloudTrailFile(value)
      ? { format: AUDIT_FORMATS[1], items: value.Records }
      : null;
  if (!container?.format) return null;
  const records = toObjects(container.items).map((r, i): Entry => [
    r,
    JSON.stringify(r),
    i + 1,
  ]);
  return collect(container.format, records);
}

/** A record, its original text, and its position (line or item). */
export type Entry = [record: JsonObject, original: string, line: number];

/** Reads one record of a format, or says on which line and why not. */
export function readEntry(
  format: AuditFormat,
  [record, original, line]: Entry,
): ParsedAuditEvent | LineError {
  // A record past the JSON Lines limit is refused here too, whole file
  // or not: the index would have to hold it in one row.
  if (
    original.length > MAX_RECORD_BYTES / 3 &&
    Buffer.byteLength(original) > MAX_RECORD_BYTES
  ) {
    return {
      line,
      message: `longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB`,
    };
  }
  const event = format.owns(record)
    ? format.read(record, original)
    : `not a ${format.name} record`;
  return typeof event === 'string' ? { line, message: event } : event;
}

/** Reads records of one format, turning each failure into a line error. */
export function collect(
  format: AuditFormat,
  entries: Entry[],
  errors: LineError[] = [],
): Detection {
  const events: ParsedAuditEvent[] = [];
  const warnings: string[] = [];
  for (const entry of entries) {
    const event = readEntry(format, entry);
    if ('message' in event) errors.push(event);
    else {
      events.push(event);
      const leap = leapSecondWarning(event.eventTime);
      if (leap) warnings.push(`line ${entry[2]}: ${leap}`);
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return {
    type: 'audit-events',
    format: format.name,
    events,
    errors,
    warnings,
  };
}
