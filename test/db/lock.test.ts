import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimDataDir } from '../../src/db/lock.js';

describe('claimDataDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dp-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a directory a live process holds', async () => {
    // pid 1 is always alive.
    await writeFile(path.join(dir, 'owner.pid'), '1');
    expect(() => claimDataDir(dir)).toThrow(/in use by process 1/);
  });

  it('takes over a lock left by a dead process, and releases it', async () => {
    await writeFile(path.join(dir, 'owner.pid'), '2147483646');
    const release = claimDataDir(dir);
    expect(await readFile(path.join(dir, 'owner.pid'), 'utf8')).toBe(
      String(process.pid),
    );
    release();
    await expect(readFile(path.join(dir, 'owner.pid'))).rejects.toThrow();
  });
});
