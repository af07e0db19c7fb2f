import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DigestStream } from './digest.js';
import { validateEntryName } from './entryname.js';
import type { Problem } from './problems.js';

// Bounds that no real bundle comes near; past them the input is hostile.
const MAX_ENTRIES = 1_000_000;
const MAX_ENTRY_BYTES = 2 ** 44; // 16 TiB

/** A file entry that was read whole and hashed. */
export interface ReadEntry {
  path: string;
  size: number;
  sha512: string;
  /** The bytes, for the small files the caller asked to keep. */
  data: Buffer | null;
}

export interface ZipContents {
  entries: Map<string, ReadEntry>;
  problems: Problem[];
}

/**
 * Reads every entry of a ZIP with yauzl, one at a time, hashing each as it
 * streams. Unsafe names are reported and their entries skipped, never
 * extracted. `keepLimit(path)` gives how many bytes of an entry to keep in
 * memory (null: keep none); a bigger entry is reported as too large.
 */
export async function readZip(
  zipPath: string,
  keepLimit: (path: string) => number | null,
): Promise<ZipContents> {
  const contents: ZipContents = { entries: new Map(), problems: [] };
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, {
      lazyEntries: true,
      decodeStrings: false,
      validateEntrySizes: true,
      autoClose: true,
    });
  } catch (error) {
    contents.problems.push(notAZip(error));
    return contents;
  }
  try {
    await readEntries(zip, contents, keepLimit);
  } finally {
    if (zip.isOpen) zip.close();
  }
  return contents;
}

async function readEntries(
  zip: ZipFile,
  contents: ZipContents,
  keepLimit: (path: string) => number | null,
) {
  if (zip.entryCount > MAX_ENTRIES) {
    contents.problems.push({
      code: 'too-many-entries',
      message:
        `the ZIP claims ${zip.entryCount} entries; ` +
        `at most ${MAX_ENTRIES} are read`,
    });
    return;
  }
  const seen = new Map<string, string>();
  for (;;) {
    const entry = await nextEntry(zip).catch((error: unknown) => {
      contents.problems.push({
        code: 'zip-corrupt',
        message: `the ZIP's central directory is damaged: ${messageOf(error)}`,
      });
      return null;
    });
    if (entry === null) return;
    const path = acceptEntry(entry, seen, contents.problems);
    if (path === null) continue;
    const read = await readEntry(zip, entry, path, keepLimit(path));
    if ('code' in read) contents.problems.push(read);
    else contents.entries.set(path, read);
  }
}

/** Checks an entry's name and kind; returns its path, or null to skip it. */
function acceptEntry(
  entry: Entry,
  seen: Map<string, string>,
  problems: Problem[],
): string | null {
  const named = validateEntryName(
    entry.fileName as unknown as Buffer,
    entry.generalPurposeBitFlag,
  );
  if ('problem' in named) {
    problems.push(named.problem);
    return null;
  }
  const { path } = named;
  const folded = path.toLowerCase();
  const earlier = seen.get(folded);
  if (earlier !== undefined) {
    problems.push({
      code: 'duplicate-entry',
      path,
      message:
        earlier === path
          ? `${path} appears more than once in the ZIP`
          : `${path} and ${earlier} differ only by case`,
    });
    return null;
  }
  seen.set(folded, path);
  const unsupported = unsupportedReason(entry);
  if (unsupported !== null) {
    problems.push({ code: 'unsupported-entry', path, message: unsupported });
    return null;
  }
  return path.endsWith('/') ? null : path;
}

function unsupportedReason(entry: Entry): string | null {
  if (entry.isEncrypted()) return 'the entry is encrypted';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    const method = entry.compressionMethod;
    return `compression method ${method} is neither stored nor deflated`;
  }
  if (entry.uncompressedSize > MAX_ENTRY_BYTES) {
    return `the entry claims ${entry.uncompressedSize} bytes`;
  }
  return null;
}

async function readEntry(
  zip: ZipFile,
  entry: Entry,
  path: string,
  keep: number | null,
): Promise<ReadEntry | Problem> {
  if (keep !== null && entry.uncompressedSize > keep) {
    return {
      code: 'entry-too-large',
      path,
      message: `${entry.uncompressedSize} bytes; at most ${keep} are expected`,
    };
  }
  const digest = new DigestStream();
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    if (keep !== null) chunks.push(chunk);
  });
  try {
    const stream = await zip.openReadStreamPromise(entry);
    await pipeline(stream, digest, sink);
  } catch (error) {
    return {
      code: 'entry-unreadable',
      path,
      message: `cannot read the entry: ${messageOf(error)}`,
    };
  }
  const data = keep === null ? null : Buffer.concat(chunks);
  return { path, size: digest.size, sha512: digest.sha512, data };
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: Entry) => settle(() => resolve(entry));
    const onEnd = () => settle(() => resolve(null));
    const onError = (error: Error) => settle(() => reject(error));
    const settle = (action: () => void) => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      action();
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function notAZip(error: unknown): Problem {
  return {
    code: 'not-a-zip',
    message: `the file is not a readable ZIP archive: ${messageOf(error)}`,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
