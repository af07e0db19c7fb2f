import {
  isObject,
  toText,
  toTime,
  type JsonObject,
  type ParsedAuditEvent,
} from './shared.js';

/**
 * Azure Activity Log events come in three spellings: the REST API's
 * camelCase (eventTimestamp, eventDataId), the Python SDK's snake_case
 * (event_timestamp, event_data_id), and the diagnostic-settings export
 * (time, resourceId, operationName as a string). A field is looked up
 * under each spelling in turn.
 */
const FIELDS = {
  time: ['eventTimestamp', 'event_timestamp', 'time'],
  id: ['eventDataId', 'event_data_id'],
  caller: ['caller'],
  operation: ['operationName', 'operation_name'],
  resource: ['resourceId', 'resource_id'],
  status: ['status', 'resultType'],
  subStatus: ['subStatus', 'sub_status', 'resultSignature'],
  correlation: ['correlationId', 'correlation_id'],
} as const;

function field(record: JsonObject, names: readonly string[]): unknown {
  for (const name of names) if (name in record) return record[name];
  return undefined;
}

// Localizable strings are { value, localizedValue }; exports flatten them.
function valueOf(value: unknown): string | null {
  return isObject(value) ? toText(value.value) : toText(value);
}

/** True for an Azure Activity Log event in any of its spellings. */
export function isAzureActivity(value: JsonObject): boolean {
  const operation = field(value, FIELDS.operation);
  const hasTime = field(value, FIELDS.time) !== undefined;
  const hasResource = field(value, FIELDS.resource) !== undefined;
  const hasCorrelation = field(value, FIELDS.correlation) !== undefined;
  return (
    hasTime &&
    hasResource &&
    hasCorrelation &&
    valueOf(operation) !== null &&
    ('caller' in value || 'category' in value)
  );
}

/**
 * Reads one Activity Log event: its time is eventTimestamp (when the
 * operation happened), not submissionTimestamp (when it was logged). The
 * id is eventDataId, else the correlation id and the operation's status,
 * since one operation logs a Started and a Succeeded event.
 */
export function readAzureActivity(
  record: JsonObject,
  original: string,
): ParsedAuditEvent | string {
  const time = toTime(field(record, FIELDS.time));
  if (!time) {
    return 'no valid eventTimestamp (RFC 3339, a real date, 1970–9999)';
  }
  const status = valueOf(field(record, FIELDS.status));
  const id =
    toText(field(record, FIELDS.id)) ??
    [valueOf(field(record, FIELDS.correlation)), status]
      .filter(Boolean)
      .join('/');
  return {
    eventTime: time,
    id,
    actor: valueOf(field(record, FIELDS.caller)),
    action: valueOf(field(record, FIELDS.operation)),
    resource: valueOf(field(record, FIELDS.resource)),
    outcome: outcomeOf(status, valueOf(field(record, FIELDS.subStatus))),
    original,
  };
}

// Succeeded and Failed end an operation; Started, Accepted and the like
// are kept as the state they name.
function outcomeOf(status: string | null, sub: string | null): string | null {
  if (!status) return null;
  const state = status.toLowerCase();
  if (state === 'succeeded' || state === 'success') return 'success';
  if (state === 'failed' || state === 'failure') {
    return `failure:${sub || status}`;
  }
  return state;
}
