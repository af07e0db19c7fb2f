import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionSweeper } from '../../src/jobs/index.js';
import {
  startTestServer,
  waitForJob,
  type Reply,
  type TestServer,
} from '../support/api.js';
import { BACKENDS } from '../support/db.js';
import { S3_CREDENTIALS, startTestS3, type TestS3 } from '../support/s3.js';

const WINDOW = () => ({
  from: new Date(Date.now() - 30 * 86_400_000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});

async function exportOf(api: TestServer): Promise<Record<string, any>> {
  const started = await api.call('POST', '/disclosures/export', {
    body: {
      tenantId: 'acme',
      dateRange: WINDOW(),
      artifacts: ['audit-events', 'sboms', 'signatures'],
    },
  });
  expect(started.status).toBe(202);
  const done = await waitForJob(api, started.json.jobId as string);
  expect(done.json.status).toBe('completed');
  return done.json as Record<string, any>;
}

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe.each(BACKENDS)('bundle retention and provenance on %s', (backend) => {
  let api: TestServer;
  let job: Record<string, any>;

  beforeAll(async () => {
    api = await startTestServer({
      backend,
      config: { storage: { retentionDays: 1 } },
    });
    job = await exportOf(api);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  describe('while the bundle is kept', () => {
    let download: Reply;

    beforeAll(async () => {
      download = await api.call('GET', `/jobs/${job.jobId}/bundle`);
    });

    it('serves it', () => {
      expect(download.status).toBe(200);
      expect(sha512(download.bytes)).toBe(job.bundle.sha512);
    });

    it('shows a viewer what the bundle held, its job, key and downloads', async () => {
      const reply = await api.call(
        'GET',
        `/provenance/bundles/${job.bundle.sha512 as string}`,
        { token: api.tokens.acmeViewer },
      );
      expect(reply.status).toBe(200);
      expect(reply.json.job).toMatchObject({
        jobId: job.jobId,
        requestedBy: 'alice@acme',
        dateRange: job.dateRange,
      });
      expect(reply.json.keyId).toBe(job.bundle.keyId);
      expect(reply.json.artifacts.length).toBeGreaterThan(0);
      expect(reply.json.downloads).toEqual([
        { actor: 'alice@acme', via: 'token', at: expect.any(String) },
      ]);
    });

    it('finds the bundles that held one of its artifacts', async () => {
      const bundle = await api.call(
        'GET',
        `/provenance/bundles/${job.bundle.sha512 as string}`,
      );
      const artifact = bundle.json.artifacts.find(
        (a: { kind: string }) => a.kind === 'sboms',
      ) as { sha512: string; path: string };
      const reply = await api.call(
        'GET',
        `/provenance/artifacts/${artifact.sha512}`,
      );
      expect(reply.status).toBe(200);
      expect(reply.json.bundles).toEqual([
        expect.objectContaining({
          sha512: job.bundle.sha512,
          jobId: job.jobId,
          requestedBy: 'alice@acme',
          path: artifact.path,
          kind: 'sboms',
        }),
      ]);
    });

    it('answers 404 to another tenant, and to digests it never saw', async () => {
      const path = `/provenance/bundles/${job.bundle.sha512 as string}`;
      const other = await api.call('GET', path, { token: api.tokens.globex });
      expect(other.status).toBe(404);
      expect(other.json.code).toBe('DP_NOT_FOUND');
      const unknown = await api.call(
        'GET',
        `/provenance/artifacts/${'0'.repeat(128)}`,
      );
      expect(unknown.status).toBe(404);
      const malformed = await api.call('GET', '/provenance/artifacts/xyz');
      expect(malformed.status).toBe(404);
    });
  });

  describe('once the retention period has passed', () => {
    it('answers 410 before the sweep has run', async () => {
      await api.server.runtime.db.query(
        `UPDATE export_jobs SET finished_at = now() - interval '2 days'
         WHERE id = $1`,
        [job.jobId],
      );
      const reply = await api.call(
        'GET',
        `/jobs/${job.jobId as string}/bundle`,
      );
      expect(reply.status).toBe(410);
      expect(reply.json.code).toBe('DP_BUNDLE_EXPIRED');
      expect(reply.json.detail).toMatch(/1-day retention period/);
    });

    describe('and the sweep has run', () => {
      beforeAll(async () => {
        const { runtime } = api.server;
        const result = await new RetentionSweeper(
          runtime,
          runtime.retention,
        ).run();
        expect(result).toEqual({ expired: 1, failed: 0 });
      });

      it('shows the job expired, with nothing left to download', async () => {
        const reply = await api.call('GET', `/jobs/${job.jobId as string}`);
        expect(reply.json.status).toBe('expired');
        expect(reply.json.bundle).toBeNull();
        expect(Date.parse(reply.json.expiredAt as string)).not.toBeNaN();
        expect(reply.json.history.at(-1)).toMatchObject({
          from: 'completed',
          to: 'expired',
        });
      });

      it('answers 410 problem+json for the bundle and its signature', async () => {
        for (const file of ['bundle', 'bundle.sig']) {
          const reply = await api.call(
            'GET',
            `/jobs/${job.jobId as string}/${file}`,
          );
          expect(reply.status).toBe(410);
          expect(reply.headers.get('content-type')).toContain(
            'application/problem+json',
          );
          expect(reply.json.code).toBe('DP_BUNDLE_EXPIRED');
        }
      });

      it('no longer stores the bundle', async () => {
        const { objects } = api.server.runtime;
        expect(await objects.list(`bundles/acme`)).toEqual([]);
      });

      it('still tells what the expired bundle held', async () => {
        const reply = await api.call(
          'GET',
          `/provenance/bundles/${job.bundle.sha512 as string}`,
        );
        expect(reply.status).toBe(200);
      });
    });
  });
});

describe('exports published into S3 (s3rver)', () => {
  let s3: TestS3;
  let api: TestServer;
  let job: Record<string, any>;

  beforeAll(async () => {
    s3 = await startTestS3();
    // The SDK's default credential chain reads these; s3rver ignores them.
    process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
    api = await startTestServer({
      config: {
        storage: {
          kind: 's3',
          s3: {
            bucket: 'dp-bundles',
            endpoint: s3.endpoint,
            forcePathStyle: true,
            region: 'us-east-1',
            tenantIsolation: 'bucket',
            bucketTemplate: 'dp-{tenant}',
          },
        },
      },
    });
    job = await exportOf(api);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await s3?.close();
  });

  it("stores the bundle in the tenant's own bucket", async () => {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const head = await s3.client.send(
      new HeadObjectCommand({
        Bucket: 'dp-acme',
        Key: `bundles/${job.jobId as string}.zip`,
      }),
    );
    expect(head.ContentLength).toBe(job.bundle.size);
  });

  it('redirects a download to a presigned URL and tells its expiry', async () => {
    const before = Date.now();
    const reply = await fetch(
      new URL(`/jobs/${job.jobId}/bundle`, api.server.url),
      {
        headers: { authorization: `Bearer ${api.tokens.acme}` },
        redirect: 'manual',
      },
    );
    expect(reply.status).toBe(307);
    const location = reply.headers.get('location') as string;
    expect(location.startsWith(`${s3.endpoint}/dp-acme/`)).toBe(true);
    const expires = Date.parse(reply.headers.get('x-download-expires') ?? '');
    // DP_LINK_TTL_SECONDS, 900 by default.
    expect(Math.abs(expires - (before + 900_000))).toBeLessThan(3000);

    const whole = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(sha512(whole)).toBe(job.bundle.sha512);
    const ranged = await fetch(location, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(
      Buffer.from(await ranged.arrayBuffer()).equals(whole.subarray(0, 100)),
    ).toBe(true);
  });

  it('follows the redirect as a client would, within the contract', async () => {
    const reply = await api.call('GET', `/jobs/${job.jobId as string}/bundle`);
    expect(reply.status).toBe(200);
    expect(sha512(reply.bytes)).toBe(job.bundle.sha512);
  });
});
