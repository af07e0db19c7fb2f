import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustFile } from '../../src/signing/index.js';
import { aTempDir } from '../bundle/builders.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The `sh` blocks of docs/verification.md, in order, verbatim. */
async function shellBlocks(): Promise<string[]> {
  const text = await readFile(path.join(REPO, 'docs/verification.md'), 'utf8');
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

const HAS_COSIGN = onPath('cosign');
// What a fingerprint pipeline prints when its key file is missing.
const EMPTY_SHA256 = createHash('sha256').digest('hex');

describe('docs/verification.md, run word for word', () => {
  let api: TestServer;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  let job: { jobId: string; bundle: { sha512: string; keyId: string } };
  let blocks: string[];

  /**
   * Runs one documented block in the download folder, as a customer. With
   * `strict: false` it runs as pasted into a shell, without `sh -e`.
   */
  async function runBlock(
    block: string,
    cwd = path.join(dir, 'download'),
    options: { strict?: boolean; extraEnv?: NodeJS.ProcessEnv } = {},
  ) {
    const { strict = true, extraEnv = {} } = options;
    const args = strict ? ['-e', '-c', block] : ['-c', block];
    try {
      const { stdout, stderr } = await run('sh', args, {
        cwd,
        env: { ...env, ...extraEnv },
      });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, output: e.stdout + e.stderr };
    }
  }

  beforeAll(async () => {
    ({ dir, cleanup } = await aTempDir());
    blocks = await shellBlocks();
    api = await startTestServer();
    const accepted = await api.call('POST', '/disclosures/export', {
      body: {
        tenantId: 'acme',
        dateRange: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
        artifacts: ['audit-events', 'sboms', 'policy-reports'],
      },
    });
    job = (await waitForJob(api, (accepted.json as { jobId: string }).jobId))
      .json as typeof job;
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await mkdir(path.join(dir, 'download'));
    const shim = path.join(bin, 'disclosure-packager');
    const tsx = path.join(REPO, 'node_modules/.bin/tsx');
    const entry = path.join(REPO, 'test/support/cli-entry.ts');
    await writeFile(shim, `#!/bin/sh\nexec "${tsx}" "${entry}" "$@"\n`);
    await chmod(shim, 0o755);
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      DP_URL: api.server.url,
      DP_TOKEN: api.tokens.acme,
      JOB_ID: job.jobId,
      // Published out of band; the API's job record stands in for it.
      PINNED_FINGERPRINT: job.bundle.keyId,
    };
  });
  afterAll(async () => {
    await api.close();
    await cleanup();
  });

  const blockWith = (needle: string) => () => {
    const found = blocks.filter((b) => b.includes(needle));
    expect(found.length, `no block with ${needle}`).toBeGreaterThan(0);
    return found;
  };

  it('has every block this test knows how to judge', () => {
    const judged = [
      'curl',
      'openssl pkey',
      'bundle.zip.sig.der',
      'sha512sum -c',
      'cosign verify-blob',
      'disclosure-packager verify',
    ];
    for (const block of blocks) {
      expect(
        judged.some((n) => block.includes(n)),
        block,
      ).toBe(true);
    }
  });

  it('0: downloads the bundle, its ZIP signature and the key list', async () => {
    for (const block of blockWith('curl')()) {
      expect(await runBlock(block)).toMatchObject({ code: 0 });
    }
    const zip = path.join(dir, 'download/bundle.zip');
    const { stdout } = await run('sha512sum', [zip]);
    expect(stdout.split(' ')[0]).toBe(job.bundle.sha512);
    const trust = JSON.parse(
      await readFile(path.join(dir, 'download/signing-keys.json'), 'utf8'),
    ) as TrustFile;
    const active = trust.keys.find((k) => k.status === 'active');
    expect(active?.keyId).toBe(job.bundle.keyId);
  });

  it('1: takes the key out of the bundle and matches it to the pin', async () => {
    const [block] = blockWith('openssl pkey')();
    const download = path.join(dir, 'download');
    const { code, output } = await runBlock(block!);
    expect(output.trim()).toBe('cosign.pub.der: OK');
    expect(code).toBe(0);
    const der = await readFile(path.join(download, 'cosign.pub.der'));
    const hex = createHash('sha256').update(der).digest('hex');
    expect(`sha256:${hex}`).toBe(job.bundle.keyId);
  });

  it('1: accepts the pin as bare hex too', async () => {
    const [block] = blockWith('openssl pkey')();
    const extraEnv = { PINNED_FINGERPRINT: job.bundle.keyId.slice(7) };
    const { code, output } = await runBlock(block!, undefined, { extraEnv });
    expect(output.trim()).toBe('cosign.pub.der: OK');
    expect(code).toBe(0);
  });

  describe('1: fails, printing no fingerprint, when pasted without sh -e', () => {
    const failures: [string, NodeJS.ProcessEnv, boolean][] = [
      ['another pinned key', { PINNED_FINGERPRINT: 'ab'.repeat(32) }, true],
      ['an empty pin', { PINNED_FINGERPRINT: '' }, true],
      ['no bundle, only a stale cosign.pub', {}, false],
    ];
    it.each(failures)('for %s', async (_name, extraEnv, withBundle) => {
      const [block] = blockWith('openssl pkey')();
      const elsewhere = await mkdtemp(path.join(dir, 'step1-'));
      const download = path.join(dir, 'download');
      const keep = withBundle ? ['bundle.zip'] : ['cosign.pub'];
      for (const name of keep) {
        await cp(path.join(download, name), path.join(elsewhere, name));
      }
      const { code, output } = await runBlock(block!, elsewhere, {
        strict: false,
        extraEnv,
      });
      expect(code).not.toBe(0);
      expect(output).not.toMatch(/: OK$/m);
      expect(output).not.toMatch(/[0-9a-f]{64}/);
      expect(output).not.toContain(EMPTY_SHA256.slice(0, 16));
      const left = await readdir(elsewhere);
      expect(left).not.toContain('cosign.pub');
    });
  });

  it('2a: openssl verifies the whole-ZIP signature', async () => {
    const [block] = blockWith('bundle.zip.sig.der')();
    const { code, output } = await runBlock(block!);
    expect(output.trim()).toBe('Verified OK');
    expect(code).toBe(0);
  });

  it('2a: and fails it for a ZIP changed by one byte', async () => {
    const [block] = blockWith('bundle.zip.sig.der')();
    const copy = path.join(dir, 'tampered');
    await cp(path.join(dir, 'download'), copy, { recursive: true });
    const zip = path.join(copy, 'bundle.zip');
    const bytes = await readFile(zip);
    bytes[100] = (bytes[100] ?? 0) ^ 1;
    await writeFile(zip, bytes);
    const { code, output } = await runBlock(block!, copy);
    expect(output.trim()).toBe('Verification failure');
    expect(code).not.toBe(0);
  });

  it('2b: unzips, checks every checksum and the index signature', async () => {
    const [block] = blockWith('sha512sum -c')();
    const { code, output } = await runBlock(block!);
    expect(output).not.toMatch(/FAILED|WARNING|failure/);
    expect(output).toContain('Verified OK');
    expect(output).toMatch(/^manifest\.json: OK$/m);
    expect(code).toBe(0);
  });

  it.skipIf(!HAS_COSIGN)(
    '3: cosign verifies the ZIP and the index',
    async () => {
      for (const block of blockWith('cosign verify-blob')()) {
        const { code, output } = await runBlock(block);
        expect(output).toContain('Verified OK');
        expect(code).toBe(0);
      }
    },
  );

  it('4: the packager verifies with the key list, the pin and as JSON', async () => {
    const found = blockWith('disclosure-packager verify')();
    expect(found).toHaveLength(3);
    const [listed, pinned, json] = await Promise.all(
      found.map((b) => runBlock(b)),
    );
    for (const result of [listed!, pinned!]) {
      expect(result.output).toMatch(/^VERIFIED/);
      expect(result.output).not.toContain('FAIL ');
      expect(result.code).toBe(0);
    }
    const report = JSON.parse(json!.output) as {
      ok: boolean;
      keySource: string;
    };
    expect(report).toMatchObject({ ok: true, keySource: 'trusted' });
  });

  it('publishes the key list and the signature link as documented', async () => {
    const keys = await api.call('GET', '/signing-keys', { token: null });
    expect(keys.status).toBe(200);
    expect((keys.json as TrustFile).keys.map((k) => k.status)).toEqual([
      'active',
    ]);
    const view = await api.call('GET', `/jobs/${job.jobId}`);
    expect(view.json.bundle.signatureUrl).toMatch(
      new RegExp(
        `^/jobs/${job.jobId}/bundle\\.sig\\?tenant=acme&expires=\\d+&sig=[\\w-]{43}$`,
      ),
    );
  });

  it('serves the signature only to the tenant of the job', async () => {
    const other = await api.call('GET', `/jobs/${job.jobId}/bundle.sig`, {
      token: api.tokens.globex,
    });
    expect(other.status).toBe(404);
    const anonymous = await api.call('GET', `/jobs/${job.jobId}/bundle.sig`, {
      token: null,
    });
    expect(anonymous.status).toBe(401);
  });
});
