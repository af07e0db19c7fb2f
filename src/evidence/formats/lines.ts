import { isEnvelope, readEnvelopes } from './dsse.js';
import { auditFormatOf, collect, type Entry } from './events.js';
import { isSigstoreBundle, readSigstoreBundle } from './sigstore.js';
import { describeRecord } from './unknown.js';
import {
  asDocument,
  isObject,
  parseJson,
  type Detection,
  type LineError,
} from './shared.js';

interface Parsed {
  entries: Entry[];
  errors: LineError[];
}

/** Splits JSON Lines, keeping each line's text exactly, minus its end. */
function parseLines(text: string): Parsed {
  const parsed: Parsed = { entries: [], errors: [] };
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    try {
      const value = parseJson(line);
      if (isObject(value)) parsed.entries.push([value, line, index + 1]);
      else
        parsed.errors.push({ line: index + 1, message: 'not a JSON object' });
    } catch (error) {
      const message = (error as Error).message;
      parsed.errors.push({ line: index + 1, message: `not JSON (${message})` });
    }
  });
  return parsed;
}

/**
 * Detects JSON Lines: audit events one per line, or DSSE envelopes and
 * Sigstore bundles one per line. The first readable record decides the
 * format; null when no line is a JSON object at all.
 */
export function detectLines(text: string): Detection | null {
  const { entries, errors } = parseLines(text);
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
  return {
    type: 'unrecognised',
    reason: `JSON Lines of ${describeRecord(first)}`,
  };
}
