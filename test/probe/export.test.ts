import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';
import { runCli } from '../support/cli.js';

const run = promisify(execFile);

/** `promtool check metrics` on a textfile: lint problems, or none. */
async function promtoolCheck(text: string): Promise<void> {
  const child = run('promtool', ['check', 'metrics']);
  child.child.stdin?.end(text);
  await child;
}

describe('probe export', () => {
  let api: TestServer;
  let dir: string;

  beforeAll(async () => {
    // The embedded default: PGlite, local files, the demo tenants.
    api = await startTestServer({ backend: 'pglite' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'dp-probe-test-'));
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('against a healthy instance', () => {
    let result: Awaited<ReturnType<typeof runCli>>;
    let textfile: string;

    beforeAll(async () => {
      const file = path.join(dir, 'ok.prom');
      result = await runCli(
        'probe',
        'export',
        '--url',
        api.server.url,
        '--token',
        api.tokens.acme,
        '--kinds',
        'audit-events,sboms',
        '--window-days',
        '30',
        '--textfile',
        file,
      );
      textfile = await readFile(file, 'utf8');
    }, 60_000);

    it('exports, downloads and verifies, timing each phase', () => {
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const lines = result.out.trim().split('\n');
      expect(lines.map((l) => l.split('\t')[0])).toEqual([
        'ready',
        'submit',
        'complete',
        'download',
        'verify',
        'total',
        expect.stringMatching(
          /^export probe passed: job [0-9a-f-]{36}, \d+ bytes, verified$/,
        ),
      ]);
      for (const line of lines.slice(0, 6)) {
        expect(line).toMatch(/^[a-z]+\t\d+\.\d{3} s$/);
      }
    });

    it('writes a textfile that promtool accepts, saying it passed', async () => {
      await promtoolCheck(textfile);
      expect(textfile).toMatch(/^dp_probe_export_success 1$/m);
      expect(textfile).toMatch(
        /^dp_probe_export_phase_duration_seconds\{phase="verify"\} [\d.e-]+$/m,
      );
      expect(textfile).toMatch(/^dp_probe_export_bundle_bytes [1-9]\d*$/m);
      const [, at] = /^dp_probe_export_last_run_timestamp_seconds (\d+)$/m.exec(
        textfile,
      ) ?? ['', '0'];
      expect(Math.abs(Number(at) - Date.now() / 1000)).toBeLessThan(120);
    });

    it('leaves the export in the canary tenant’s history', async () => {
      const jobId = /job ([0-9a-f-]{36})/.exec(result.out)?.[1];
      const job = await api.call('GET', `/jobs/${jobId}`);
      expect(job.json).toMatchObject({ status: 'completed' });
    });
  });

  it('fails with a plain message and exit 1 on a bad token', async () => {
    const file = path.join(dir, 'bad-token.prom');
    const result = await runCli(
      'probe',
      'export',
      '--url',
      api.server.url,
      '--token',
      'not-a-valid-token-0123456789',
      '--textfile',
      file,
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'export probe FAILED in submit: GET /me answered 401: ' +
        'DP_UNAUTHENTICATED the API token is not valid',
    );
    const textfile = await readFile(file, 'utf8');
    await promtoolCheck(textfile);
    expect(textfile).toMatch(/^dp_probe_export_success 0$/m);
  });

  it('fails in the submit phase for a viewer, who may not export', async () => {
    const result = await runCli(
      'probe',
      'export',
      '--url',
      api.server.url,
      '--token',
      api.tokens.acmeViewer,
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /FAILED in submit: POST \/disclosures\/export answered 403: DP_FORBIDDEN/,
    );
  });

  it('fails in the ready phase when nothing answers', async () => {
    // A port that was just free: nothing listens there any more.
    const closed = createServer();
    await new Promise<void>((resolve) =>
      closed.listen(0, '127.0.0.1', resolve),
    );
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runCli(
      'probe',
      'export',
      '--url',
      `http://127.0.0.1:${port}/`,
      '--token',
      api.tokens.acme,
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /FAILED in ready: fetch failed \(ECONNREFUSED\)/,
    );
  });

  it('refuses an unknown kind before calling anything', async () => {
    const result = await runCli(
      'probe',
      'export',
      '--url',
      api.server.url,
      '--token',
      api.tokens.acme,
      '--kinds',
      'audit-events,tweets',
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('tweets');
  });
});
