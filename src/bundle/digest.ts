import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stream that counts bytes and computes their SHA-512 on the
 * way, so content is hashed while it streams and never held whole.
 */
export class DigestStream extends Transform {
  #hash: Hash = createHash('sha512');
  #size = 0;
  #hex: string | null = null;
  readonly #onChunk: ((bytes: number, chunk: Buffer) => void) | undefined;

  constructor(onChunk?: (bytes: number, chunk: Buffer) => void) {
    super();
    this.#onChunk = onChunk;
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: TransformCallback,
  ): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    this.#onChunk?.(chunk.length, chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#hex = this.#hash.digest('hex');
    callback();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** Hex SHA-512 of everything that passed; only once the input ended. */
  get sha512(): string {
    if (this.#hex === null) throw new Error('the stream has not ended yet');
    return this.#hex;
  }
}

/** Hex SHA-512 of a small in-memory buffer. */
export function sha512Hex(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}
