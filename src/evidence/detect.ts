import path from 'node:path';
import { detectJson } from './formats/json.js';
import { detectLines } from './formats/lines.js';
import { readDetachedSignature } from './formats/signature.js';
import {
  detectDerCertificate,
  detectPem,
  detectTagValue,
  detectXml,
  detectYaml,
} from './formats/text.js';
import { asDocument, parseJson, type Detection } from './formats/shared.js';

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
export function detectEvidence(fileName: string, bytes: Buffer): Detection {
  try {
    return detect(path.basename(fileName), bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { type: 'unrecognised', reason: `could not be read: ${message}` };
  }
}

function detect(name: string, bytes: Buffer): Detection {
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
  return (
    detectPem(text, name) ??
    detectJsonText(text) ??
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

/** True when a file starts like binary: NUL never occurs in our text. */
export function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

function detectJsonText(text: string): Detection | null {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return null;
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    return detectLines(text) ?? notJson(error);
  }
  return detectJson(value, text);
}

function notJson(error: unknown): Detection {
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'unrecognised', reason: `not valid JSON (${message})` };
}

function detectSignature(text: string, name: string): Detection | null {
  const facts = readDetachedSignature(text, name);
  return facts ? asDocument(facts) : null;
}
