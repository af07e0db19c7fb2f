import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assembleBundle,
  verifyBundle,
  type AssembleProgress,
  type AssembleResult,
  type Manifest,
} from '../../src/bundle/index.js';
import {
  aSigner,
  aSource,
  aTempDir,
  anAssembly,
  assembleToFile,
  readZipItems,
  type ZipItem,
} from './builders.js';
import { schemaErrorsOf } from '../support/manifest.js';

const signer = aSigner();
let dir: string;
let cleanup: () => Promise<void>;
let result: AssembleResult;
let items: ZipItem[];
const progress: AssembleProgress[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await aTempDir());
  const path = join(dir, 'bundle.zip');
  result = await assembleToFile(
    path,
    anAssembly(signer, { onProgress: (p) => progress.push(p) }),
  );
  items = await readZipItems(path);
});
afterAll(() => cleanup());

function item(name: string): Buffer {
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`${name} is not in the bundle`);
  return found.data;
}

describe('assembleBundle', () => {
  it('writes evidence in source order, then the bundle files', () => {
    expect(items.map((i) => i.name)).toEqual([
      'audit-events/audit-events.jsonl',
      'sboms/café.cdx.json',
      'sboms/sbom.json',
      'sboms/SBOM (2).json',
      'attestations/passwd',
      'policy-reports/report.json',
      'manifest.json',
      'README.txt',
      'cosign.pub',
      'SHA512SUMS',
      'SHA512SUMS.sig',
      'SHA512SUMS.sigstore.json',
    ]);
    expect(items[1]?.name).toBe('sboms/caf\u00e9.cdx.json'.normalize('NFC'));
  });

  it('returns the size and SHA-512 of the ZIP it streamed', async () => {
    const zip = await readFile(join(dir, 'bundle.zip'));
    expect(result.size).toBe(zip.length);
    expect(result.sha512).toBe(sha512(zip));
    expect(result.indexSha512).toBe(sha512(item('SHA512SUMS')));
    expect(result.entries).toBe(12);
  });

  it('indexes all but the index and its signatures, in byte order', () => {
    const lines = item('SHA512SUMS').toString().split('\n');
    expect(lines.pop()).toBe('');
    const paths = lines.map((line) => line.slice(130));
    expect(paths).toEqual([...paths].sort());
    expect(paths).toHaveLength(9);
    for (const line of lines) {
      const [hex, path] = [line.slice(0, 128), line.slice(130)];
      expect(line.slice(128, 130)).toBe('  ');
      expect(hex).toBe(sha512(item(path)));
    }
  });

  it('describes each evidence file, its kind summary and the job', () => {
    const manifest = JSON.parse(item('manifest.json').toString()) as Manifest;
    expect(manifest).toEqual(result.manifest);
    expect(manifest.files[0]).toMatchObject({
      path: 'audit-events/audit-events.jsonl',
      items: 50,
      eventTime: null,
    });
    expect(manifest.files[4]).toMatchObject({ jurisdictions: ['EU'] });
    expect(manifest.summary.sboms).toEqual({
      status: 'included',
      expected: 3,
      exported: 3,
      files: 3,
      items: 3,
      bytes: 27,
    });
    expect(manifest.summary.signatures).toEqual({
      status: 'omitted',
      expected: 2,
      exported: 0,
      files: 0,
      items: 0,
      bytes: 0,
      reason: { code: 'DP_SOURCE_UNAVAILABLE', message: 'service unavailable' },
    });
    expect(manifest.missing).toEqual([
      {
        kind: 'signatures',
        status: 'omitted',
        code: 'DP_SOURCE_UNAVAILABLE',
        reason: 'service unavailable',
      },
    ]);
    expect(manifest.job.createdAt).toBe('2026-02-02T08:00:00.000Z');
    expect(manifest.signing.keyId).toBe(signer.keyId);
    expect(manifest.proofs).toEqual({ version: 1, entries: [] });
  });

  it('writes a manifest that the JSON Schema accepts', async () => {
    const manifest: unknown = JSON.parse(item('manifest.json').toString());
    expect(await schemaErrorsOf(manifest)).toEqual([]);
  });

  it('serialises the manifest with sorted metadata and a final LF', () => {
    const text = item('manifest.json').toString();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toMatch(/"alpha": \{\n\s+"a": 1,\n\s+"b": 2/);
    expect(text.indexOf('"alpha"')).toBeLessThan(text.indexOf('"zeta"'));
  });

  it('signs the index with a base64 DER signature and no newline', () => {
    const signature = item('SHA512SUMS.sig').toString();
    expect(signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(item('cosign.pub').toString()).toBe(signer.publicKeyPem);
  });

  it('reports progress after every entry', () => {
    const bytes = result.manifest.files.reduce((n, f) => n + f.size, 0);
    expect(progress.at(-1)).toEqual({ entriesWritten: 6, bytesWritten: bytes });
    expect(progress.map((p) => p.entriesWritten)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  describe('when an entry outgrows 32-bit sizes', () => {
    it('writes ZIP64 records that its own verifier reads', async () => {
      const path = join(dir, 'zip64.zip');
      await assembleToFile(path, anAssembly(signer, { forceZip64: true }));
      const zip = await readFile(path);
      // APPNOTE 4.3.14 and 4.3.15: the ZIP64 end of central directory
      // record and its locator.
      expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
      expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true);
      expect((await verifyBundle(path)).problems).toEqual([]);
    });
  });

  describe('when a source fails while streaming', () => {
    it('rejects with DP_EXPORT_FAILED and never ends the output', async () => {
      const output = new PassThrough();
      output.resume();
      let ended = false;
      output.on('finish', () => (ended = true));
      const failing = aSource({
        content: async function* () {
          yield Buffer.from('partial');
          await Promise.resolve();
          throw new Error('connection reset');
        },
      });
      const options = anAssembly(signer, { sources: [failing] });
      await expect(
        assembleBundle({ ...options, output }),
      ).rejects.toMatchObject({
        code: 'DP_EXPORT_FAILED',
        message: /connection reset/,
      });
      expect(ended).toBe(false);
    });
  });

  describe('when the output is slow', () => {
    it('waits for it instead of buffering the bundle', async () => {
      const piece = Buffer.alloc(64 * 1024, 0x61);
      let pulled = 0;
      const source = aSource({
        content: async function* () {
          for (let i = 0; i < 512; i += 1) {
            await Promise.resolve();
            pulled += 1;
            yield piece;
          }
        },
      });
      let written = 0;
      let mostAhead = 0;
      const output = new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _encoding, done) {
          written += chunk.length;
          mostAhead = Math.max(mostAhead, pulled * piece.length - written);
          setTimeout(done, 1);
        },
      });
      const options = anAssembly(signer, { sources: [source] });
      const done = await assembleBundle({ ...options, output });
      expect(written).toBe(done.size);
      // 32 MiB go through; the source never runs 2 MiB ahead of the output
      // (about 512 KiB sit in the stream buffers between them).
      expect(mostAhead).toBeLessThan(2 * 1024 * 1024);
    });
  });
});

function sha512(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}
