import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZipFile, type ReadStreamOptions } from 'yazl';
import { DigestStream, sha512Hex } from './digest.js';
import { ENTRY_MODE, fixedEntryTime } from './layout.js';

/** Bytes of an entry's content, as evidence sources hand them over. */
export type EntryContent = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface ZipWriterOptions {
  compression: 'store' | 'deflate';
  /** Writes ZIP64 records even for small entries (APPNOTE 4.5.3). */
  forceZip64: boolean;
  /** Sees every byte of the finished archive as it goes out. */
  onOutput?: (chunk: Buffer) => void;
}

/** Size and SHA-512 of an entry's uncompressed content. */
export interface WrittenEntry {
  size: number;
  sha512: string;
}

/**
 * A deterministic, streaming ZIP writer over yazl. Entries are written one
 * after the other: addStream resolves once the entry's input is consumed,
 * so at most one entry's buffers are in memory at any time. The finished
 * archive is hashed with SHA-512 on its way to the output.
 */
export class ZipWriter {
  readonly #zip = new ZipFile();
  readonly #output: DigestStream;
  readonly #done: Promise<void>;
  readonly #failed: Promise<never>;
  readonly #options: ZipWriterOptions;
  #entries = 0;

  constructor(output: NodeJS.WritableStream, options: ZipWriterOptions) {
    this.#options = options;
    const tap = options.onOutput;
    this.#output = new DigestStream(tap && ((_, chunk) => tap(chunk)));
    const archive = this.#zip.outputStream as Readable;
    this.#zip.on('error', (error: Error) => archive.destroy(error));
    this.#done = pipeline(archive, this.#output, output);
    // Rejects with the first output failure; never resolves otherwise.
    this.#failed = this.#done.then(() => new Promise<never>(() => {}));
    this.#failed.catch(() => {});
  }

  /** Streams one entry through SHA-512 into the archive. */
  async addStream(
    path: string,
    content: EntryContent,
    onChunk?: (bytes: number) => void,
  ): Promise<WrittenEntry> {
    // Byte mode with a small buffer: Readable.from defaults to object mode,
    // which would let a source run 16 chunks ahead of the archive.
    const input =
      content instanceof Readable
        ? content
        : Readable.from(content, { objectMode: false, highWaterMark: 1 });
    const digest = new DigestStream(onChunk);
    this.#zip.addReadStream(digest, path, this.#entryOptions());
    this.#entries += 1;
    await Promise.race([
      Promise.all([pipeline(input, digest), finished(digest)]),
      this.#failed,
    ]);
    return { size: digest.size, sha512: digest.sha512 };
  }

  /** Adds a small entry already in memory. */
  addBuffer(path: string, data: Buffer): WrittenEntry {
    this.#zip.addBuffer(data, path, this.#entryOptions());
    this.#entries += 1;
    return { size: data.length, sha512: sha512Hex(data) };
  }

  /** Writes the central directory and waits until the output has it all. */
  async finish(): Promise<WrittenEntry & { entries: number }> {
    this.#zip.end({ forceZip64Format: this.#options.forceZip64, comment: '' });
    await this.#done;
    return {
      size: this.#output.size,
      sha512: this.#output.sha512,
      entries: this.#entries,
    };
  }

  /** Stops writing after a failure; the output is destroyed, never ended. */
  abort(error: unknown): void {
    (this.#zip.outputStream as Readable).destroy(toError(error));
    this.#done.catch(() => {});
  }

  #entryOptions(): Partial<ReadStreamOptions> {
    const store = this.#options.compression === 'store';
    return {
      mtime: fixedEntryTime(),
      mode: ENTRY_MODE,
      // Leave out the extended-timestamp extra field (0x5455), whose UTC
      // seconds would make the archive depend on the clock's time zone.
      forceDosTimestamp: true,
      // Level 1 deflate: evidence is mostly JSON, which level 1 already
      // shrinks several-fold at about twice the speed of the default 6.
      compressionLevel: store ? 0 : 1,
      forceZip64Format: this.#options.forceZip64,
    };
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
