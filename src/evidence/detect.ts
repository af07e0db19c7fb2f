import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { leapSecondWarning } from '../domain/index.js';
import type { DetectOptions } from './formats/events.js';
import { detectJson } from './formats/json.js';
import { detectLines, type LineOptions } from './formats/lines.js';
import { readDetachedSignature } from './formats/signature.js';
import {
  detectDerCertificate,
  detectPem,
  detectTagValue,
  detectXml,
  detectYaml,
} from './formats/text.js';
import { asDocument, parseJson, type Detection } from './formats/shared.js';

export type { DetectOptions } from './formats/events.js';
export type {
  Detection,
  LineError,
  ParsedAuditEvent,
} from './formats/shared.js';

const BOM = '\uFEFF';

/**
 * Says what a file is: a document of evidence with its metadata, a batch
 * of audit events (with the lines that could not be read), or why it is
 * not recognised. The content decides; the name is only a hint, used to
 * tell a detached signature from other base64 and to say which file a
 * signature or certificate belongs to. Never throws on bad input.
 */
export function detectEvidence(
  fileName: string,
  bytes: Buffer,
  options: DetectOptions = {},
): Detection {
  try {
    return withTimeWarnings(detect(path.basename(fileName), bytes, options));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { type: 'unrecognised', reason: `could not be read: ${message}` };
  }
}

// A document dated by a leap second is kept as written, and said so.
export function withTimeWarnings(detection: Detection): Detection {
  if (detection.type !== 'document' || !detection.eventTime) return detection;
  const leap = leapSecondWarning(detection.eventTime);
  if (leap) detection.warnings.push(`${detection.eventTimeRule}: ${leap}`);
  return detection;
}

function detect(
  name: string,
  bytes: Buffer,
  options: DetectOptions,
): Detection {
  if (bytes.length === 0) return { type: 'unrecognised', reason: 'empty' };
  if (isBinary(bytes)) {
    return (
      detectDerCertificate(bytes, name) ?? {
        type: 'unrecognised',
        reason: 'binary content in no supported format',
      }
    );
  }
  // Only a leading mark is a BOM; one further in is part of the content.
  const raw = bytes.toString('utf8');
  const text = raw.startsWith(BOM) ? raw.slice(1) : raw;
  const lines = {
    ...options,
    badUtf8: isUtf8(bytes) ? undefined : badLines(bytes),
  };
  return (
    detectPem(text, name) ??
    detectJsonText(text, lines) ??
    detectXml(text) ??
    detectTagValue(text) ??
    detectYaml(text) ??
    detectSignature(text, name) ?? {
      type: 'unrecognised',
      reason:
        'text in no supported format (not JSON, JSON Lines, XML, ' +
        'SPDX tag-value, YAML policy reports, PEM or a base64 signature)',
    }
  );
}

/**
 * True when a file starts like binary: NUL never occurs in our text. A
 * file that opens as JSON is text with a damaged record at worst, which
 * JSON Lines reading reports line by line instead of refusing it whole.
 */
export function isBinary(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 8192);
  if (!head.includes(0)) return false;
  const start = head.toString('latin1').replace(/^\xEF\xBB\xBF/, '');
  return !/^\s*[{[]/.test(start);
}

/** The 1-based numbers of the lines that are not valid UTF-8. */
function badLines(bytes: Buffer): Set<number> {
  const bad = new Set<number>();
  let start = 0;
  for (let line = 1; start <= bytes.length; line += 1) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) bad.add(line);
    start = stop + 1;
  }
  return bad;
}

function detectJsonText(text: string, options: LineOptions): Detection | null {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return null;
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    return detectLines(text, options) ?? notJson(error);
  }
  return detectJson(value, text, options);
}

function notJson(error: unknown): Detection {
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'unrecognised', reason: `not valid JSON (${message})` };
}

function detectSignature(text: string, name: string): Detection | null {
  const facts = readDetachedSignature(text, name);
  return facts ? asDocument(facts) : null;
}
