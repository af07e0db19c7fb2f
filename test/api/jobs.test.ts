import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';
import { BACKENDS } from '../support/db.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const WINDOW = { from: '2026-10-21T12:00:00Z', to: '2026-11-20T12:01:00Z' };

// Every export on this server pauses once its evidence is written, so
// jobs stay running or pending for as long as a test needs them to.
describe.each(BACKENDS)('the job routes on %s', (backend) => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({
      now: NOW,
      backend,
      jobs: {
        maxActivePerTenant: 2,
        maxWindowDays: 90,
        failpoints: 'assemble=pause',
        // A cancel is seen at the next heartbeat, a sixth of the lease.
        leaseSeconds: 3,
      },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  const startExport = (
    tenantId = 'acme',
    token = api.tokens.acme,
    headers: Record<string, string> = {},
  ) =>
    api.call('POST', '/disclosures/export', {
      token,
      headers,
      body: {
        tenantId,
        dateRange: WINDOW,
        artifacts: ['audit-events', 'sboms'],
      },
    });

  async function waitUntil(
    jobId: string,
    ready: (job: Record<string, any>) => boolean,
    token = api.tokens.acme,
  ): Promise<Record<string, any>> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const reply = await api.call('GET', `/jobs/${jobId}`, { token });
      const json = reply.json as Record<string, any>;
      if (ready(json)) return json;
      if (Date.now() > deadline) {
        throw new Error(
          `job ${jobId} never got there: ${JSON.stringify(json)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  describe('with a job running and another pending', () => {
    let running: string;
    let pending: string;

    beforeAll(async () => {
      running = (
        await startExport('acme', api.tokens.acme, {
          'idempotency-key': 'limits-1',
        })
      ).json.jobId as string;
      await waitUntil(running, (j) => j.progress.stage === 'assemble');
      pending = (await startExport()).json.jobId as string;
    });

    it('shows the stage, items, bytes, attempts and history of a running job', async () => {
      const { json } = await api.call('GET', `/jobs/${running}`);
      expect(json.status).toBe('running');
      expect(json.attempts).toBe(1);
      expect(json.maxAttempts).toBe(5);
      expect(json.progress).toMatchObject({ stage: 'assemble', kind: null });
      expect(json.progress.itemsTotal).toBeGreaterThan(0);
      expect(json.progress.itemsDone).toBe(json.progress.itemsTotal);
      expect(json.progress.bytesExpected).toBeGreaterThan(0);
      expect(json.progress.etaSeconds).toBeNull();
      expect(json.kinds['audit-events']).toMatchObject({
        status: 'included',
        retries: 0,
      });
      expect(json.kinds['audit-events'].exported).toBe(
        json.kinds['audit-events'].expected,
      );
      expect(
        json.history.map((t: { from: string; to: string }) => t.to),
      ).toEqual(['pending', 'running']);
    });

    it('answers 429 with Retry-After once the tenant has too many unfinished jobs', async () => {
      const refused = await startExport();
      expect(refused.status).toBe(429);
      expect(refused.json.code).toBe('DP_TOO_MANY_JOBS');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // The limit is per tenant, and a replayed request is not a new job.
      const other = await startExport('globex', api.tokens.globex);
      expect(other.status).toBe(202);
      const replay = await startExport('acme', api.tokens.acme, {
        'idempotency-key': 'limits-1',
      });
      expect(replay.status).toBe(202);
      expect(replay.json.jobId).toBe(running);
      await api.call('POST', `/jobs/${other.json.jobId as string}/cancel`, {
        token: api.tokens.globex,
      });
    });

    it('refuses to retry a job that has not failed or been cancelled', async () => {
      const reply = await api.call('POST', `/jobs/${pending}/retry`);
      expect(reply.status).toBe(409);
      expect(reply.json.code).toBe('DP_JOB_NOT_RETRYABLE');
    });

    it("answers 404 for another tenant's job, as for one that does not exist", async () => {
      const theirs = await api.call('POST', `/jobs/${running}/cancel`, {
        token: api.tokens.globex,
      });
      expect(theirs.status).toBe(404);
      expect(theirs.json.code).toBe('DP_JOB_NOT_FOUND');
      const unknown = await api.call(
        'POST',
        '/jobs/00000000-0000-4000-8000-000000000000/retry',
      );
      expect(unknown.status).toBe(404);
      expect((await api.call('GET', `/jobs/${running}`)).json.status).toBe(
        'running',
      );
    });

    it('cancels the running job, then runs it again on retry', async () => {
      const cancelled = await api.call('POST', `/jobs/${running}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.json.status).toBe('cancelled');
      expect(cancelled.json.error.code).toBe('DP_JOB_CANCELLED');
      expect(cancelled.json.bundle).toBeNull();
      const again = await api.call('POST', `/jobs/${running}/cancel`);
      expect(again.status).toBe(200);

      // The pending job gets the worker and pauses in its turn.
      await waitUntil(pending, (j) => j.progress.stage === 'assemble');
      await api.call('POST', `/jobs/${pending}/cancel`);

      const retried = await api.call('POST', `/jobs/${running}/retry`);
      expect(retried.status).toBe(202);
      expect(retried.headers.get('location')).toBe(`/jobs/${running}`);
      expect(retried.json.status).toBe('pending');
      const rerun = await waitUntil(
        running,
        (j) => j.status === 'running' && j.progress.stage === 'assemble',
      );
      expect(rerun.attempts).toBe(2);
      expect(rerun.history.map((t: { to: string }) => t.to)).toEqual([
        'pending',
        'running',
        'cancelled',
        'pending',
        'running',
      ]);
      await api.call('POST', `/jobs/${running}/cancel`);
    });
  });

  it('counts a retry against the tenant limit', async () => {
    const cancelled = await api.call('GET', '/jobs?status=cancelled&limit=1');
    const old = cancelled.json.jobs[0].jobId as string;
    const first = (await startExport()).json.jobId as string;
    await waitUntil(first, (j) => j.progress.stage === 'assemble');
    const second = (await startExport()).json.jobId as string;
    const refused = await api.call('POST', `/jobs/${old}/retry`);
    expect(refused.status).toBe(429);
    expect(refused.json.code).toBe('DP_TOO_MANY_JOBS');
    expect(refused.headers.get('retry-after')).toBe('30');
    expect((await api.call('GET', `/jobs/${old}`)).json.status).toBe(
      'cancelled',
    );
    for (const id of [first, second]) {
      await api.call('POST', `/jobs/${id}/cancel`);
    }
  });

  it('refuses a window longer than the configured maximum with 422', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      body: {
        tenantId: 'acme',
        dateRange: { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' },
        artifacts: ['sboms'],
      },
    });
    expect(reply.status).toBe(422);
    expect(reply.json.code).toBe('DP_WINDOW_TOO_LONG');
    expect(reply.json.detail).toMatch(/151 days; the longest allowed is 90/);
  });

  describe('listing', () => {
    it('pages through every job, newest first, with a cursor', async () => {
      const all = (await api.call('GET', '/jobs?limit=200')).json.jobs as {
        jobId: string;
        createdAt: string;
      }[];
      expect(all.length).toBeGreaterThanOrEqual(2);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page = await api.call('GET', `/jobs?limit=1${query}`);
        expect(page.status).toBe(200);
        expect(page.json.jobs.length).toBeLessThanOrEqual(1);
        const jobs = page.json.jobs as { jobId: string }[];
        seen.push(...jobs.map((j) => j.jobId));
        cursor = page.json.nextCursor as string | null;
      } while (cursor);
      expect(seen).toEqual(all.map((j) => j.jobId));
      const times = all.map((j) => j.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it('filters by status and by window overlap', async () => {
      const cancelled = await api.call('GET', '/jobs?status=cancelled');
      expect(cancelled.json.jobs.length).toBeGreaterThan(0);
      for (const job of cancelled.json.jobs)
        expect(job.status).toBe('cancelled');
      const none = await api.call('GET', '/jobs?status=completed,failed');
      expect(none.json.jobs).toEqual([]);
      const before = await api.call('GET', '/jobs?to=2026-10-21T12:00:00Z');
      expect(before.json.jobs).toEqual([]);
      const overlapping = await api.call(
        'GET',
        '/jobs?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
      );
      expect(overlapping.json.jobs.length).toBeGreaterThan(0);
    });

    it('lists only the caller tenant\u2019s jobs', async () => {
      const theirs = await api.call('GET', '/jobs?limit=200', {
        token: api.tokens.globex,
      });
      for (const job of theirs.json.jobs) expect(job.tenantId).toBe('globex');
    });

    it.each([
      ['/jobs?status=done', /unknown status "done"/],
      ['/jobs?limit=0', /limit must be/],
      ['/jobs?limit=abc', /limit must be/],
      ['/jobs?cursor=not-a-cursor', /cursor is not one this API gave out/],
      ['/jobs?page=2', /unknown query parameter page/],
      ['/jobs?status=pending&status=running', /give status once/],
      ['/jobs?from=yesterday', /RFC 3339/],
      [
        `/jobs?cursor=${Buffer.from(
          '+275760-09-13T00:00:00.000Z|77654130-10e5-48e6-8faf-897b2fb9600f',
        ).toString('base64url')}`,
        /cursor is not one this API gave out/,
      ],
    ])('refuses %s with 400', async (url, detail) => {
      const reply = await api.call('GET', url);
      expect(reply.status).toBe(400);
      expect(reply.json.detail).toMatch(detail);
    });
  });
});
