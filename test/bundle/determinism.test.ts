import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutJobFields } from '../support/manifest.js';
import { verifyBundle } from '../../src/bundle/index.js';
import { loadOrCreateEmbeddedSigner } from '../../src/signing/index.js';
import { aTempDir, readZipItems, type ZipItem } from './builders.js';

const run = promisify(execFile);
const TSX = join('node_modules', '.bin', 'tsx');
const CHILD = join('test', 'bundle', 'assemble-child.ts');

// ECDSA signatures are randomised (a fresh nonce each time), and the index
// covers manifest.json; so these entries legitimately differ between jobs.
const SIGNED_PER_JOB = new Set([
  'manifest.json',
  'SHA512SUMS',
  'SHA512SUMS.sig',
  'SHA512SUMS.sigstore.json',
]);

let dir: string;
let cleanup: () => Promise<void>;
let utc: ZipItem[];
let newYork: ZipItem[];

async function assembleIn(tz: string, jobId: string): Promise<ZipItem[]> {
  const zip = join(dir, `${jobId}.zip`);
  await run(TSX, [CHILD, zip, join(dir, 'key'), jobId], {
    env: { ...process.env, TZ: tz },
  });
  expect((await verifyBundle(zip)).problems).toEqual([]);
  return readZipItems(zip);
}

beforeAll(async () => {
  ({ dir, cleanup } = await aTempDir());
  const keyDir = join(dir, 'key');
  await loadOrCreateEmbeddedSigner({ dir: keyDir, password: 'test password' });
  [utc, newYork] = await Promise.all([
    assembleIn('UTC', 'job-utc'),
    assembleIn('America/New_York', 'job-nyc'),
  ]);
}, 120_000);
afterAll(() => cleanup());

describe('two exports of the same evidence in different time zones', () => {
  it('have the same entries in the same order', () => {
    expect(newYork.map((i) => i.name)).toEqual(utc.map((i) => i.name));
  });

  it('have byte-identical entries, apart from the job-signed ones', () => {
    for (const [i, item] of utc.entries()) {
      if (SIGNED_PER_JOB.has(item.name)) continue;
      expect(newYork[i]?.data.equals(item.data), item.name).toBe(true);
    }
  });

  it('have byte-identical ZIP headers up to manifest.json', async () => {
    const [a, b] = await Promise.all(
      ['job-utc', 'job-nyc'].map((id) => readFile(join(dir, `${id}.zip`))),
    );
    // Evidence entries come first; everything before the manifest's local
    // header (names, times, attributes, extra fields) must be identical.
    // The 30-byte fixed part of that header (APPNOTE 4.3.7) precedes the
    // name and holds the manifest's CRC-32 and sizes, so it is left out.
    const end = a!.indexOf('manifest.json') - 30;
    expect(end).toBeGreaterThan(0);
    expect(b!.indexOf('manifest.json') - 30).toBe(end);
    expect(a!.subarray(0, end).equals(b!.subarray(0, end))).toBe(true);
  });

  it('have indexes that differ only in the manifest line', () => {
    const lines = (items: ZipItem[]) =>
      items
        .find((i) => i.name === 'SHA512SUMS')!
        .data.toString()
        .split('\n')
        .filter((line) => !line.endsWith('  manifest.json'));
    expect(lines(newYork)).toEqual(lines(utc));
  });

  it('have equal manifests once the job fields are removed', () => {
    const [a, b] = [utc, newYork].map((items) =>
      withoutJobFields(items.find((i) => i.name === 'manifest.json')!.data),
    );
    expect(a).toEqual(b);
  });
});
