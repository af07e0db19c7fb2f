import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutJobFields } from '../support/manifest.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import { runCli } from '../support/cli.js';
import { dropSchemas, uniqueSchema } from '../support/db.js';
import { verifyWithSigstore } from '../support/sigstore.js';
import { readZipEntries } from '../support/zip.js';

corpusMissingIsFatal();

const WINDOW = [
  '--from',
  '1970-01-01T00:00:00Z',
  '--to',
  '2100-01-01T00:00:00Z',
];

describe.skipIf(!CORPUS_PRESENT)('the real corpus, end to end', () => {
  let work: string;
  let bundle: string;
  let publicKey: string;
  const schema = uniqueSchema('corpus');

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dp-corpus-'));
    process.env.DP_DATA_DIR = path.join(work, 'data');
    process.env.DP_DATABASE_SCHEMA = schema;
    bundle = path.join(work, 'corpus.zip');
    expect(
      (await runCli('tenants', 'add', 'corpus', '--name', 'Corpus')).code,
    ).toBe(0);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await dropSchemas(schema);
  });

  it('ingests every supported file and names each refused one', async () => {
    const result = await runCli('ingest', '--tenant', 'corpus', CORPUS_DIR);
    // Private keys and formats outside this release are refused by design.
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/\d+ files: \d+ stored \(\d+ in part\)/);
    expect(result.out).toMatch(/failed\s+\S*cosign-ci-test\.key/);
    const stored = Number(/(\d+) stored/.exec(result.out)?.[1]);
    expect(stored).toBeGreaterThanOrEqual(50);
  });

  it('exports the whole corpus into one bundle', async () => {
    const result = await runCli(
      'export',
      '--tenant',
      'corpus',
      ...WINDOW,
      '--out',
      bundle,
      '--no-progress',
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    publicKey = path.join(
      process.env.DP_DATA_DIR as string,
      'keys',
      'cosign.pub',
    );
  });

  it('passes our verify with the trusted key', async () => {
    const result = await runCli('verify', bundle, '--key', publicKey);
    expect(result.out).toMatch(/^VERIFIED: \d+ files/);
    expect(result.out).toContain('the key you gave');
    expect(result.code).toBe(0);
  });

  describe('with standard tools', () => {
    let dir: string;
    beforeAll(() => {
      dir = path.join(work, 'unzipped');
      execFileSync('unzip', ['-q', bundle, '-d', dir]);
    });

    it('sha512sum -c accepts the checksum index', () => {
      const check = spawnSync('sha512sum', ['-c', '--strict', 'SHA512SUMS'], {
        cwd: dir,
      });
      expect(check.stderr.toString()).toBe('');
      expect(check.status).toBe(0);
    });

    it('openssl verifies the signature over the index', async () => {
      const der = Buffer.from(
        await readFile(path.join(dir, 'SHA512SUMS.sig'), 'utf8'),
        'base64',
      );
      await writeFile(path.join(dir, 'sig.der'), der);
      const out = execFileSync(
        'openssl',
        [
          'dgst',
          '-sha256',
          '-verify',
          publicKey,
          '-signature',
          'sig.der',
          'SHA512SUMS',
        ],
        { cwd: dir },
      );
      expect(out.toString()).toContain('Verified OK');
    });

    it('@sigstore/verify accepts the Sigstore bundle given only the key', async () => {
      const index = await readFile(path.join(dir, 'SHA512SUMS'));
      const sigstore = JSON.parse(
        await readFile(path.join(dir, 'SHA512SUMS.sigstore.json'), 'utf8'),
      ) as object;
      const key = await readFile(publicKey, 'utf8');
      expect(() => verifyWithSigstore(sigstore, index, key)).not.toThrow();
    });
  });

  it('gives identical content under two time zones', async () => {
    // Each CLI export is written to the tenant's own trail: a window that
    // ends now keeps the first export's record out of the second bundle.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const until = [
      '--from',
      '1970-01-01T00:00:00Z',
      '--to',
      new Date().toISOString(),
    ];
    await new Promise((resolve) => setTimeout(resolve, 5));
    const outputs: string[] = [];
    for (const tz of ['UTC', 'America/New_York']) {
      const out = path.join(work, `tz-${tz.replace('/', '-')}.zip`);
      const child = spawnSync(
        'npx',
        [
          'tsx',
          'test/support/cli-entry.ts',
          'export',
          '--tenant',
          'corpus',
          ...until,
          '--out',
          out,
          '--no-progress',
        ],
        { env: { ...process.env, TZ: tz }, encoding: 'utf8' },
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      outputs.push(out);
    }
    const [a, b] = await Promise.all(outputs.map(readZipEntries));
    expect([...(a as Map<string, Buffer>).keys()]).toEqual([
      ...(b as Map<string, Buffer>).keys(),
    ]);
    for (const [name, bytes] of a as Map<string, Buffer>) {
      if (name === 'manifest.json' || name.startsWith('SHA512SUMS')) continue;
      expect(
        bytes.equals((b as Map<string, Buffer>).get(name) as Buffer),
        name,
      ).toBe(true);
    }
    // The index differs only in the line of the manifest.
    const lines = (m: Map<string, Buffer> | undefined) =>
      (m?.get('SHA512SUMS') as Buffer)
        .toString('utf8')
        .split('\n')
        .filter((line) => !line.endsWith('  manifest.json'));
    expect(lines(a)).toEqual(lines(b));
    expect(withoutJobFields(a?.get('manifest.json') as Buffer)).toEqual(
      withoutJobFields(b?.get('manifest.json') as Buffer),
    );
  });
});
