import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/index.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { BACKENDS } from '../support/db.js';

const NOW = new Date('2026-11-20T12:00:00Z');
// The window ends just after the seeding: documents that state no time of
// their own (the detached signature and key) are dated when ingested.
const WINDOW = { from: '2026-10-21T12:00:00Z', to: '2026-11-20T12:01:00Z' };
const ALL_KINDS = [
  'audit-events',
  'sboms',
  'attestations',
  'signatures',
  'policy-reports',
];

// The whole flow runs on both backends: pg-boss and the job rows must work
// on the embedded default as on the real server.
describe.each(BACKENDS)('the export API on %s', (backend) => {
  let api: TestServer;
  let scratch: string;

  beforeAll(async () => {
    api = await startTestServer({ now: NOW, backend });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'dp-api-test-'));
  });
  afterAll(async () => {
    await api?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const exportBody = (overrides: Record<string, unknown> = {}) => ({
    tenantId: 'acme',
    dateRange: WINDOW,
    artifacts: ALL_KINDS,
    ...overrides,
  });

  describe('when a demo tenant exports its default window', () => {
    let jobId: string;
    let job: Record<string, any>;

    beforeAll(async () => {
      const accepted = await api.call('POST', '/disclosures/export', {
        body: exportBody(),
      });
      expect(accepted.status).toBe(202);
      jobId = accepted.json.jobId as string;
      expect(accepted.headers.get('location')).toBe(`/jobs/${jobId}`);
      job = (await waitForJob(api, jobId)).json;
    });

    it('completes with evidence of all five kinds', () => {
      expect(job.status).toBe('completed');
      for (const kind of ALL_KINDS) {
        expect(
          job.counts[kind],
          `${kind} in ${JSON.stringify(job.counts)}`,
        ).toBeGreaterThan(0);
      }
      expect(job.progress.stage).toBe('done');
    });

    it('reports the bundle size, SHA-512, key id and download link', () => {
      expect(job.bundle.size).toBeGreaterThan(0);
      expect(job.bundle.sha512).toMatch(/^[0-9a-f]{128}$/);
      expect(job.bundle.downloadUrl).toMatch(
        new RegExp(
          `^/jobs/${jobId}/bundle\\?tenant=acme&expires=\\d+&sig=[\\w-]{43}$`,
        ),
      );
      expect(job.bundle.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it('serves a bundle that verify accepts, with the advertised SHA-512', async () => {
      const reply = await api.call('GET', `/jobs/${jobId}/bundle`);
      expect(reply.status).toBe(200);
      expect(reply.bytes.length).toBe(job.bundle.size);
      const file = path.join(scratch, 'bundle.zip');
      await writeFile(file, reply.bytes);
      const keys = await api.call('GET', '/signing-keys', { token: null });
      const report = await verifyBundle(file, {
        publicKeyPem: keys.json.keys[0].publicKeyPem,
      });
      expect(report.problems).toEqual([]);
      expect(report.exitCode).toBe(0);
      const { createHash } = await import('node:crypto');
      expect(createHash('sha512').update(reply.bytes).digest('hex')).toBe(
        job.bundle.sha512,
      );
    });

    it('honours a byte range on the download', async () => {
      const whole = await api.call('GET', `/jobs/${jobId}/bundle`);
      const part = await api.call('GET', `/jobs/${jobId}/bundle`, {
        headers: { range: 'bytes=10-99' },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(
        `bytes 10-99/${whole.bytes.length}`,
      );
      expect(part.bytes.equals(whole.bytes.subarray(10, 100))).toBe(true);
    });

    it('sends the whole bundle when If-Range names another version', async () => {
      const whole = await api.call('GET', `/jobs/${jobId}/bundle`);
      const stale = await api.call('GET', `/jobs/${jobId}/bundle`, {
        headers: { range: 'bytes=0-9', 'if-range': '"sha512-other"' },
      });
      expect(stale.status).toBe(200);
      expect(stale.bytes.length).toBe(whole.bytes.length);
      const current = await api.call('GET', `/jobs/${jobId}/bundle`, {
        headers: {
          range: 'bytes=0-9',
          'if-range': whole.headers.get('etag') as string,
        },
      });
      expect(current.status).toBe(206);
    });

    it.each(['bytes=abc', 'bytes=10-5', 'bytes=-'])(
      'ignores the malformed range %s and sends the whole bundle',
      async (range) => {
        const reply = await api.call('GET', `/jobs/${jobId}/bundle`, {
          headers: { range },
        });
        expect(reply.status).toBe(200);
        expect(reply.bytes.length).toBe(job.bundle.size);
      },
    );

    it('refuses to cancel or retry the completed job with 409', async () => {
      const cancel = await api.call('POST', `/jobs/${jobId}/cancel`);
      expect(cancel.status).toBe(409);
      expect(cancel.json.code).toBe('DP_JOB_FINISHED');
      const retry = await api.call('POST', `/jobs/${jobId}/retry`);
      expect(retry.status).toBe(409);
      expect(retry.json.code).toBe('DP_JOB_NOT_RETRYABLE');
    });

    it('answers an unsatisfiable range with 416', async () => {
      const reply = await api.call('GET', `/jobs/${jobId}/bundle`, {
        headers: { range: 'bytes=999999999-' },
      });
      expect(reply.status).toBe(416);
      expect(reply.json.code).toBe('DP_RANGE_NOT_SATISFIABLE');
    });

    it("answers another tenant's request for the job with 404", async () => {
      for (const suffix of ['', '/bundle']) {
        const reply = await api.call('GET', `/jobs/${jobId}${suffix}`, {
          token: api.tokens.globex,
        });
        expect(reply.status).toBe(404);
        expect(reply.json.code).toBe('DP_JOB_NOT_FOUND');
        expect(JSON.stringify(reply.json)).not.toContain('acme');
      }
    });

    it('lists the job for its tenant only', async () => {
      const own = await api.call('GET', '/jobs');
      expect(own.json.jobs.map((j: { jobId: string }) => j.jobId)).toContain(
        jobId,
      );
      const other = await api.call('GET', '/jobs', {
        token: api.tokens.globex,
      });
      expect(other.json.jobs).toEqual([]);
    });
  });

  describe('when the same Idempotency-Key is sent again', () => {
    it('answers with the first job for the same request', async () => {
      const headers = { 'idempotency-key': 'same-request-1' };
      const first = await api.call('POST', '/disclosures/export', {
        body: exportBody(),
        headers,
      });
      const second = await api.call('POST', '/disclosures/export', {
        body: exportBody(),
        headers,
      });
      expect(second.status).toBe(202);
      expect(second.json.jobId).toBe(first.json.jobId);
    });

    it('refuses a different request with 422', async () => {
      const headers = { 'idempotency-key': 'same-request-2' };
      await api.call('POST', '/disclosures/export', {
        body: exportBody(),
        headers,
      });
      const changed = await api.call('POST', '/disclosures/export', {
        body: exportBody({ artifacts: ['sboms'] }),
        headers,
      });
      expect(changed.status).toBe(422);
      expect(changed.json.code).toBe('DP_IDEMPOTENCY_CONFLICT');
    });
  });

  describe('when a kind has nothing in the window', () => {
    it('completes and names the missing kind in warnings', async () => {
      const accepted = await api.call('POST', '/disclosures/export', {
        body: exportBody({
          dateRange: {
            from: '2001-01-01T00:00:00Z',
            to: '2001-02-01T00:00:00Z',
          },
          artifacts: ['sboms'],
        }),
      });
      const job = (await waitForJob(api, accepted.json.jobId as string)).json;
      expect(job.status).toBe('completed');
      expect(job.warnings.join(' ')).toContain('sboms');
      expect(job.kinds.sboms).toMatchObject({ status: 'empty', expected: 0 });
    });
  });

  describe('when the stored bundle was cut short on disk', () => {
    it('refuses to serve it, or its signature, rather than hand out another bundle', async () => {
      const accepted = await api.call('POST', '/disclosures/export', {
        body: exportBody({ artifacts: ['sboms'] }),
      });
      const id = accepted.json.jobId as string;
      const job = (await waitForJob(api, id)).json;
      expect(job.status).toBe('completed');
      const file = path.join(
        api.dataDir,
        'objects',
        'bundles',
        'acme',
        `${id}.zip`,
      );
      await truncate(file, 1000);
      for (const suffix of ['/bundle', '/bundle.sig']) {
        const reply = await api.call('GET', `/jobs/${id}${suffix}`);
        expect(reply.status).toBe(500);
        expect(reply.json.code).toBe('DP_BUNDLE_DAMAGED');
        expect(reply.json.detail).toContain(
          `is 1000 bytes, not the ${job.bundle.size as number}`,
        );
      }
    });
  });
});
