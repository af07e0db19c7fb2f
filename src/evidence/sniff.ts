import { open, stat } from 'node:fs/promises';
import { isBinary } from './detect.js';
import {
  auditFormatOf,
  genericFormatOf,
  type AuditFormat,
  type DetectOptions,
} from './formats/events.js';
import { isEnvelope } from './formats/dsse.js';
import { toEntry } from './formats/lines.js';
import { isSigstoreBundle } from './formats/sigstore.js';
import { lineText, readLines } from './splitter.js';

/** How far past its first record a file is read to decide how to read it. */
export const HEAD_BYTES = 1024 * 1024;

// As many bytes as whole-file detection looks at to call a file binary.
const BINARY_PROBE = 8192;

/**
 * The audit format of a file to stream as JSON Lines, or null when the
 * file is to be read whole. Streaming has to give exactly what whole-file
 * detection gives, so it is chosen only when that is certain: the first
 * non-blank line is by itself an audit event, and another non-blank line
 * follows it within the head. Then the file cannot parse as one JSON value
 * (a single Event, a `{"Records": [...]}` file), and detection would take
 * it as JSON Lines of that format. Never throws: a file that cannot be
 * read is left to the whole-file path, which says why.
 */
export async function streamableFormat(
  file: string,
  maxLineBytes: number,
  options: DetectOptions = {},
): Promise<AuditFormat | null> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size === 0) return null;
    if (isBinary(await readStart(file))) return null;
    return await formatOfHead(file, maxLineBytes, options);
  } catch {
    return null;
  }
}

/** The first 8 KiB of a file, or all of a shorter one. */
export async function readStart(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const probe = Buffer.alloc(BINARY_PROBE);
    const { bytesRead } = await handle.read(probe, 0, BINARY_PROBE, 0);
    return probe.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function formatOfHead(
  file: string,
  maxLineBytes: number,
  options: DetectOptions,
): Promise<AuditFormat | null> {
  let format: AuditFormat | null = null;
  let read = 0;
  for await (const line of readLines(file, maxLineBytes)) {
    // Too long to be the first record; too long to be only whitespace.
    if (!line.bytes) return format;
    read += line.bytes.length + 1;
    const text = lineText(line.line, line.bytes);
    if (text.trim() !== '') {
      if (format) return format;
      format = firstRecordFormat(text, line.line, options);
      if (!format) return null;
    } else if (read > HEAD_BYTES) return null;
  }
  return null;
}

function firstRecordFormat(
  text: string,
  line: number,
  options: DetectOptions,
): AuditFormat | null {
  const entry = toEntry(text, line);
  if (!Array.isArray(entry)) return null;
  // A generic record could still be a document line (an envelope); such
  // a file is read whole, where detection decides.
  if (isEnvelope(entry[0]) || isSigstoreBundle(entry[0])) return null;
  return auditFormatOf(entry[0]) ?? genericFormatOf(entry[0], options) ?? null;
}
