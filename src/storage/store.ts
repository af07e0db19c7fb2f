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

/** A link that reads one object without credentials, until it expires. */
export interface SignedUrl {
  url: string;
  /** When the link stops working: the real expiry, never a hope. */
  expiresAt: Date;
}

/** What preparing a tenant's storage did about its retention. */
export type RetentionRule =
  /** The store deletes expired bundles itself (an S3 lifecycle rule). */
  | 'lifecycle'
  /** It cannot: the scheduled cleanup is all there is. */
  | 'cleanup-only';

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
  /**
   * A URL that reads the object directly from the store for at most
   * `expiresInSeconds`, or null when the store has no such links (the
   * local folder: the API's own signed links serve those downloads).
   */
  signedUrl(key: string, expiresInSeconds: number): Promise<SignedUrl | null>;
  /**
   * Readies a tenant's storage (its bucket, in bucket isolation) and
   * asks the store to expire its bundles after `retentionDays`.
   */
  prepareTenant(
    tenantId: string,
    retentionDays: number,
  ): Promise<RetentionRule>;
}
