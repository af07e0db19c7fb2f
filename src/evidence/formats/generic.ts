import { createHash } from 'node:crypto';
import {
  isObject,
  toText,
  toTime,
  type JsonObject,
  type ParsedAuditEvent,
} from './shared.js';

/**
 * Where the fields of the common audit event sit in a JSON Lines log of
 * no known format: dotted paths such as `user.name`. Time, actor and
 * action are required; id, resource and outcome are optional (an event
 * without an id is known by the SHA-256 of its original record).
 */
export interface GenericAuditFields {
  time: string;
  actor: string;
  action: string;
  id?: string;
  resource?: string;
  outcome?: string;
}

const NAMES = ['time', 'actor', 'action', 'id', 'resource', 'outcome'];

/**
 * Reads the mapping from its configuration form,
 * `time=ts,actor=user.name,action=op[,id=..][,resource=..][,outcome=..]`;
 * a message naming what is wrong instead when it is not one.
 */
export function toGenericAuditFields(
  text: string,
): GenericAuditFields | string {
  const fields: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim())) {
    const [name, path, extra] = pair.split('=').map((p) => p.trim());
    if (!name || !path || extra !== undefined || !NAMES.includes(name)) {
      return `"${pair}" is not one of ${NAMES.join('|')}=<dotted.path>`;
    }
    fields[name] = path;
  }
  const missing = ['time', 'actor', 'action'].filter((n) => !fields[n]);
  if (missing.length > 0) return `${missing.join(', ')} must be given`;
  return fields as unknown as GenericAuditFields;
}

/** The value at a dotted path, or undefined. */
function at(record: JsonObject, path: string): unknown {
  let current: unknown = record;
  for (const key of path.split('.')) {
    if (!isObject(current) || !(key in current)) return undefined;
    current = current[key];
  }
  return current;
}

// Numbers (a status code, a numeric id) read as their decimal text.
function textAt(record: JsonObject, path: string | undefined): string | null {
  if (!path) return null;
  const value = at(record, path);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return toText(value);
}

/** True for a record that has the mapped time field as a string. */
export function ownsGeneric(fields: GenericAuditFields) {
  return (record: JsonObject): boolean =>
    typeof at(record, fields.time) === 'string';
}

/** Reads one record through the mapping. */
export function readGeneric(fields: GenericAuditFields) {
  return (record: JsonObject, original: string): ParsedAuditEvent | string => {
    const time = toTime(at(record, fields.time));
    if (!time) {
      return `no valid ${fields.time} (RFC 3339, a real date, 1970–9999)`;
    }
    const action = textAt(record, fields.action);
    if (!action) return `no ${fields.action} (the action)`;
    return {
      eventTime: time,
      id:
        textAt(record, fields.id) ??
        createHash('sha256').update(original).digest('hex'),
      actor: textAt(record, fields.actor),
      action,
      resource: textAt(record, fields.resource),
      outcome: textAt(record, fields.outcome),
      original,
    };
  };
}
