/**
 * Reads a ZIP's central directory from a Blob without loading the whole
 * file: only the tail, the directory and each entry's bytes as they are
 * streamed. Follows APPNOTE 6.3.10 §4.3 (and §4.3.14–16 for ZIP64).
 */

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

export class ZipError extends Error {
  override name = 'ZipError';
}

async function bytesOf(blob: Blob, start: number, end: number) {
  return new DataView(await blob.slice(start, end).arrayBuffer());
}

/** Every entry of the ZIP, in directory order. */
export async function readEntries(zip: Blob): Promise<ZipEntry[]> {
  const { count, offset, size } = await readDirectoryEnd(zip);
  const view = await bytesOf(zip, offset, offset + size);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL) {
      throw new ZipError('the central directory is damaged');
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(
      new Uint8Array(view.buffer, view.byteOffset + at + 46, nameLength),
    );
    const entry: ZipEntry = {
      name,
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    applyZip64Extra(entry, view, at + 46 + nameLength, extraLength);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function readDirectoryEnd(zip: Blob) {
  // The end record is 22 bytes plus a comment of at most 65535.
  const tailStart = Math.max(0, zip.size - 22 - 65535);
  const tail = await bytesOf(zip, tailStart, zip.size);
  let at = tail.byteLength - 22;
  while (at >= 0 && tail.getUint32(at, true) !== EOCD) at -= 1;
  if (at < 0) throw new ZipError('this is not a ZIP file');
  let count = tail.getUint16(at + 10, true);
  let size = tail.getUint32(at + 12, true);
  let offset = tail.getUint32(at + 16, true);
  const locatorAt = at - 20;
  if (locatorAt >= 0 && tail.getUint32(locatorAt, true) === ZIP64_LOCATOR) {
    const recordAt = Number(tail.getBigUint64(locatorAt + 8, true));
    const record = await bytesOf(zip, recordAt, recordAt + 56);
    if (record.getUint32(0, true) !== ZIP64_EOCD) {
      throw new ZipError('the ZIP64 end record is damaged');
    }
    count = Number(record.getBigUint64(32, true));
    size = Number(record.getBigUint64(40, true));
    offset = Number(record.getBigUint64(48, true));
  }
  if (offset + size > zip.size) throw new ZipError('the ZIP is truncated');
  return { count, size, offset };
}

/** ZIP64 extra field (id 1): the 64-bit values of the fields set to ~0. */
function applyZip64Extra(
  entry: ZipEntry,
  view: DataView,
  start: number,
  length: number,
): void {
  let at = start;
  while (at + 4 <= start + length) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 1) {
      let field = at + 4;
      const next = () => {
        const value = Number(view.getBigUint64(field, true));
        field += 8;
        return value;
      };
      if (entry.size === MAX32) entry.size = next();
      if (entry.compressedSize === MAX32) entry.compressedSize = next();
      if (entry.localHeaderOffset === MAX32) entry.localHeaderOffset = next();
    }
    at += 4 + size;
  }
}

/** The entry's uncompressed content, as a stream of chunks. */
export async function openEntry(
  zip: Blob,
  entry: ZipEntry,
): Promise<ReadableStream<Uint8Array>> {
  const header = await bytesOf(
    zip,
    entry.localHeaderOffset,
    entry.localHeaderOffset + 30,
  );
  if (header.getUint32(0, true) !== LOCAL) {
    throw new ZipError(`the local header of ${entry.name} is damaged`);
  }
  const start =
    entry.localHeaderOffset +
    30 +
    header.getUint16(26, true) +
    header.getUint16(28, true);
  const raw = zip.slice(start, start + entry.compressedSize).stream();
  if (entry.method === 0) return raw;
  if (entry.method === 8) {
    return raw.pipeThrough(new DecompressionStream('deflate-raw'));
  }
  throw new ZipError(
    `${entry.name} uses compression method ${entry.method}, which this page cannot read`,
  );
}

/** A small entry's whole content. */
export async function readEntry(
  zip: Blob,
  entry: ZipEntry,
): Promise<Uint8Array> {
  const stream = await openEntry(zip, entry);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
