import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { PackagerError } from '../domain/index.js';

/** A request body written to a file of its own, to be read like any file. */
export interface Spooled {
  file: string;
  size: number;
  /** Removes the file; call it in `finally`. */
  dispose(): Promise<void>;
}

/**
 * Writes a request body to a temporary file under `name`, counting bytes
 * as they pass, so that a body of any size costs disk, not memory. A
 * declared or counted size over `limit` is refused (413) with nothing
 * left behind. Only identity-encoded bodies are taken: a compressed one
 * could inflate far past the limit that was checked.
 */
export async function spoolBody(
  req: Request,
  name: string,
  limit: number,
): Promise<Spooled> {
  const encoding = req.get('content-encoding');
  if (encoding && encoding.toLowerCase() !== 'identity') {
    throw new PackagerError(
      'DP_EVIDENCE_MEDIA_TYPE',
      `send the evidence uncompressed, not ${encoding}`,
    );
  }
  // A declared size far past the limit is refused unread; one a little
  // past it is read and dropped below, which clients handle better.
  const declared = Number(req.get('content-length'));
  if (declared > limit + DRAIN_BYTES) throw tooLarge(limit);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'dp-ingest-'));
  const file = path.join(dir, name);
  const dispose = () => rm(dir, { recursive: true, force: true });
  const counter = new ByteLimit(limit, limit + DRAIN_BYTES);
  try {
    await pipeline(req, counter, createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    await dispose();
    throw counter.exceeded ? tooLarge(limit) : unreadable(error);
  }
  if (counter.exceeded) {
    await dispose();
    throw tooLarge(limit);
  }
  return { file, size: counter.bytes, dispose };
}

// Past the limit, this much more is read and dropped, so that a client
// still sending gets its 413 instead of a broken pipe; past that, the
// connection is cut.
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Passes bytes through until more than `limit` have gone by, then drops
 * them, and fails once more than `cutAt` have.
 */
class ByteLimit extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(
    private readonly limit: number,
    private readonly cutAt: number,
  ) {
    super();
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: TransformCallback,
  ): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cutAt) {
      done(new Error('body far over the limit'));
      return;
    }
    if (this.bytes > this.limit) this.exceeded = true;
    done(null, this.exceeded ? undefined : chunk);
  }
}

function tooLarge(limit: number): PackagerError {
  return new PackagerError(
    'DP_PAYLOAD_TOO_LARGE',
    `the evidence is larger than ${limit} bytes (DP_INGEST_MAX_BYTES)`,
    { details: { limitBytes: limit } },
  );
}

function unreadable(cause: unknown): PackagerError {
  return new PackagerError(
    'DP_REQUEST_INVALID',
    'the request body could not be read to its end',
    { cause },
  );
}
