import { exactTimeOf, toEvidenceTime } from '../../domain/index.js';
import type { DocumentKind } from '../../domain/index.js';

/** A JSON object, as parsed: the shape every format reader starts from. */
export type JsonObject = Record<string, unknown>;

/** What a document reader returns once it has recognised its format. */
export interface DocumentFacts {
  kind: DocumentKind;
  format: string;
  specVersion: string | null;
  mediaType: string;
  eventTime: Date | null;
  /** Which field of the document gave eventTime (docs/evidence-formats.md). */
  eventTimeRule: string | null;
  metadata: Record<string, unknown>;
  warnings: string[];
}

/** A candidate event time and the rule that names where it came from. */
export type TimeRule = [time: Date | null, rule: string];

/**
 * The first candidate that has a time, with its rule: each format states
 * its event time in one place, with fallbacks in a fixed order.
 */
export function pickTime(...candidates: TimeRule[]): {
  eventTime: Date | null;
  eventTimeRule: string | null;
} {
  const found = candidates.find(([time]) => time !== null);
  return found
    ? { eventTime: found[0], eventTimeRule: found[1] }
    : { eventTime: null, eventTimeRule: null };
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a non-empty string, else null. */
export function toText(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The value when it is an array, else an empty one. */
export function toList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The objects of an array, ignoring anything else it holds. */
export function toObjects(value: unknown): JsonObject[] {
  return toList(value).filter(isObject);
}

/**
 * Parses an RFC 3339 timestamp as strictly as export windows are parsed:
 * null for anything else, for impossible dates (never rolled over into
 * the next month) and for instants outside 1970–9999, which no window can
 * hold. No guessing. The answer keeps every digit written and a leap
 * second (EvidenceTime).
 */
export function toTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  try {
    return toEvidenceTime(value, 'time');
  } catch {
    return null;
  }
}

/** The earliest of some (time, rule) candidates, with its rule. */
export function earliestRule(candidates: readonly TimeRule[]): {
  eventTime: Date | null;
  eventTimeRule: string | null;
} {
  const eventTime = earliest(candidates.map(([time]) => time));
  const found = candidates.find(([time]) => time === eventTime);
  return { eventTime, eventTimeRule: eventTime ? (found?.[1] ?? null) : null };
}

/**
 * The earliest of some optional times (the first of equals), or null when
 * there is none. The time itself is answered, with its exact digits.
 */
export function earliest(times: readonly (Date | null)[]): Date | null {
  let first: Date | null = null;
  for (const time of times) {
    if (time && (!first || exactOrder(time, first) < 0)) first = time;
  }
  return first;
}

// Orders two instants by their exact UTC text: fixed-width up to the
// fraction, so comparing the fraction's digits settles a millisecond tie.
function exactOrder(a: Date, b: Date): number {
  const diff = a.getTime() - b.getTime();
  if (diff !== 0) return diff;
  const [x, y] = [exactTimeOf(a), exactTimeOf(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Counts how often each string occurs, in first-seen order. */
export function tally(values: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    if (typeof value !== 'string') continue;
    counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}

/**
 * Deepest nesting of objects and arrays accepted in evidence. Real records
 * stay far below it; far deeper ones overflow the stack of every recursive
 * JSON consumer downstream (serialisers, redaction), so they are refused at
 * the door instead of breaking every later export of the window.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Longest audit record kept, as a JSON Lines line or an item of a file
 * read whole: one larger is a line error, not an index row.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** JSON.parse that first refuses values nested deeper than MAX_JSON_DEPTH. */
export function parseJson(text: string): unknown {
  const depth = nestingDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new SyntaxError(
      `nested more than ${MAX_JSON_DEPTH} levels deep (${depth})`,
    );
  }
  return JSON.parse(text) as unknown;
}

/** Deepest bracket nesting outside strings, in one pass with no recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/** Parses JSON, answering undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

/** One audit event as read from its source, before it joins a tenant. */
export interface ParsedAuditEvent {
  eventTime: Date;
  id: string;
  actor: string | null;
  action: string | null;
  resource: string | null;
  outcome: string | null;
  /** The record as read: see docs/evidence-formats.md for each format's rule. */
  original: string;
}

/** A record that could not be read, by its 1-based line number. */
export interface LineError {
  line: number;
  message: string;
}

/** How an audit format turns one record into an event, or says why not. */
export type EventReader = (
  record: JsonObject,
  original: string,
) => ParsedAuditEvent | string;

/** What detection concluded about one file. */
export type Detection =
  | ({ type: 'document' } & DocumentFacts)
  | {
      type: 'audit-events';
      format: string;
      events: ParsedAuditEvent[];
      errors: LineError[];
      warnings: string[];
    }
  | { type: 'unrecognised'; reason: string };

/** Wraps document facts as a detection. */
export function asDocument(facts: DocumentFacts): Detection {
  return { type: 'document', ...facts };
}
