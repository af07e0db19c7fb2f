import { isEnvelope, readEnvelopes } from './dsse.js';
import {
  auditFormatOf,
  collect,
  genericFormatOf,
  type DetectOptions,
  type Entry,
} from './events.js';
import { isSigstoreBundle, readSigstoreBundle } from './sigstore.js';
import { describeRecord } from './unknown.js';
import {
  asDocument,
  isObject,
  parseJson,
  type Detection,
  type LineError,
} from './shared.js';

/** Detection options, and the lines whose bytes are not UTF-8. */
export interface LineOptions extends DetectOptions {
  badUtf8?: ReadonlySet<number>;
}

/** The line error of a line whose bytes are not valid UTF-8. */
export function notUtf8(line: number): LineError {
  return { line, message: 'not valid UTF-8' };
}

interface Parsed {
  entries: Entry[];
  errors: LineError[];
}

/**
 * Reads one line of JSON Lines, its end already cut off: a record with its
 * text kept exactly (minus a trailing CR), a line error, or null for a
 * blank line. Shared by whole-file detection and streamed ingest, so both
 * give the same records and messages.
 */
export function toEntry(raw: string, line: number): Entry | LineError | null {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return null;
  try {
    const value = parseJson(text);
    if (isObject(value)) return [value, text, line];
    return { line, message: 'not a JSON object' };
  } catch (error) {
    return { line, message: `not JSON (${(error as Error).message})` };
  }
}

/** Splits JSON Lines into records and line errors. */
function parseLines(text: string, badUtf8?: ReadonlySet<number>): Parsed {
  const parsed: Parsed = { entries: [], errors: [] };
  text.split('\n').forEach((raw, index) => {
    // Decoding replaced its bad bytes: the record is not the original.
    const entry = badUtf8?.has(index + 1)
      ? notUtf8(index + 1)
      : toEntry(raw, index + 1);
    if (Array.isArray(entry)) parsed.entries.push(entry);
    else if (entry) parsed.errors.push(entry);
  });
  return parsed;
}

/**
 * Detects JSON Lines: audit events one per line, or DSSE envelopes and
 * Sigstore bundles one per line. The first readable record decides the
 * format; null when no line is a JSON object at all.
 */
export function detectLines(
  text: string,
  options: LineOptions = {},
): Detection | null {
  const { entries, errors } = parseLines(text, options.badUtf8);
  const first = entries[0]?.[0];
  if (!first) return null;
  const audit = auditFormatOf(first);
  if (audit) return collect(audit, entries, errors);
  const records = entries.map(([record]) => record);
  const lineWarnings = errors.map((e) => `line ${e.line}: ${e.message}`);
  if (records.every(isEnvelope)) {
    const facts = readEnvelopes(records);
    facts.warnings.push(...lineWarnings);
    return asDocument(facts);
  }
  if (records.length === 1 && isSigstoreBundle(first)) {
    const facts = readSigstoreBundle(first);
    facts.warnings.push(...lineWarnings);
    return asDocument(facts);
  }
  const generic = genericFormatOf(first, options);
  if (generic) return collect(generic, entries, errors);
  return {
    type: 'unrecognised',
    reason: `JSON Lines of ${describeRecord(first)}`,
  };
}
