import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type {
  ByteRange,
  ObjectInfo,
  ObjectStore,
  RetentionRule,
  SignedUrl,
} from './store.js';

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Refuses keys that could escape the store's root folder. */
export function assertObjectKey(key: string): void {
  const segments = key.split('/');
  const bad = segments.some(
    (s) => !SEGMENT.test(s) || s === '.' || s === '..' || s.startsWith('.tmp-'),
  );
  if (key.length === 0 || key.length > 1024 || bad) {
    throw new Error(`invalid object key ${JSON.stringify(key)}`);
  }
}

/** The embedded default: objects are files below one root folder. */
export class LocalObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  async put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
  ): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Write beside the target, then rename: readers see all or nothing.
    const temp = path.join(path.dirname(target), `.tmp-${randomUUID()}`);
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const { size } = await stat(target);
    return { key, size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    await stat(file);
    return createReadStream(file, range ?? {});
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await stat(this.pathOf(key));
      return { key, size: info.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(this.pathOf(from), target);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const dir = this.pathOf(prefix);
    const entries = await readdir(dir, {
      recursive: true,
      withFileTypes: true,
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const objects: ObjectInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.startsWith('.tmp-')) continue;
      const file = path.join(entry.parentPath, entry.name);
      const key = path.relative(this.root, file).split(path.sep).join('/');
      const info = await stat(file).catch(() => null);
      if (info) objects.push({ key, size: info.size });
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix), { recursive: true, force: true });
  }

  /**
   * None: files below the data directory have no URL of their own. The
   * API's signed download links (DP_LINK_TTL_SECONDS) serve them instead.
   */
  signedUrl(): Promise<SignedUrl | null> {
    return Promise.resolve(null);
  }

  /** A folder has no lifecycle rules: the scheduled cleanup expires. */
  prepareTenant(): Promise<RetentionRule> {
    return Promise.resolve('cleanup-only');
  }

  /**
   * Removes the temporary files of puts that never finished, below one
   * prefix. Only for a process that owns the folder alone (the embedded
   * default at start-up): elsewhere a temporary file may be a live put.
   */
  async sweepTemporary(prefix: string): Promise<number> {
    const dir = this.pathOf(prefix);
    const names = await readdir(dir, { recursive: true }).catch(() => []);
    const stale = names.filter((name) =>
      path.basename(name).startsWith('.tmp-'),
    );
    await Promise.all(
      stale.map((name) => rm(path.join(dir, name), { force: true })),
    );
    return stale.length;
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    return path.join(this.root, ...key.split('/'));
  }
}
