import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP Range headers give it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

/**
 * Where evidence bytes and finished bundles live. Keys are `/`-separated
 * relative paths whose first segment is the tenant's prefix.
 */
export interface ObjectStore {
  /**
   * Writes the whole stream and makes it visible under `key` in one atomic
   * step; a failed or interrupted put leaves nothing under `key`.
   */
  put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
  ): Promise<ObjectInfo>;
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size of the object, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  /**
   * Makes the object at `from` visible at `to` in one atomic step,
   * replacing whatever `to` held; `from` is gone afterwards.
   */
  move(from: string, to: string): Promise<void>;
  /** Every object below `prefix` (a folder: `a/b` lists `a/b/...`). */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes every object below `prefix`; nothing there is fine. */
  deletePrefix(prefix: string): Promise<void>;
}
