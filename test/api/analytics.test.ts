import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantScopedDatabase } from '../../src/db/index.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { eventually, startSink } from '../support/sink.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const WINDOW = { from: '2026-10-21T12:00:00Z', to: '2026-11-20T12:01:00Z' };
const OPERATOR = 'test-operator-token-0123456789abcdef0123';

describe('analytics', () => {
  let api: TestServer;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let completed: string;
  let downloadedAt: number;
  let requestedAt: number;

  const exportFor = async (token: string, tenantId: string) => {
    const reply = await api.call('POST', '/disclosures/export', {
      token,
      body: { tenantId, dateRange: WINDOW, artifacts: ['audit-events'] },
    });
    expect(reply.status).toBe(202);
    return reply.json.jobId as string;
  };

  beforeAll(async () => {
    // The sink fails its first two posts: events must still all arrive.
    sink = await startSink([503, 502]);
    api = await startTestServer({
      now: NOW,
      config: {
        operatorTokens: [{ token: OPERATOR, subject: 'ops@platform' }],
        telemetry: {
          analyticsSinkUrl: sink.url,
          analyticsFlushMs: 50,
          analyticsBatchSize: 2,
        },
        security: { urlAllowList: ['127.0.0.1'] },
      },
    });
    requestedAt = Date.now();
    completed = await exportFor(api.tokens.acme, 'acme');
    expect((await waitForJob(api, completed)).json.status).toBe('completed');
    const bundle = await api.call('GET', `/jobs/${completed}/bundle`);
    expect(bundle.status).toBe(200);
    downloadedAt = Date.now();
    // A second download is counted, but the time to value is the first.
    await api.call('GET', `/jobs/${completed}/bundle`);
    const other = await exportFor(api.tokens.globex, 'globex');
    await waitForJob(api, other, api.tokens.globex);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await sink?.close();
  });

  const adoption = (query = '', token: string | null = OPERATOR) =>
    api.call('GET', `/analytics/adoption${query}`, { token });

  describe('GET /analytics/adoption', () => {
    it('summarises adoption per tenant and for all tenants', async () => {
      await eventually(() => sink.accepted().length >= 6);
      const reply = await adoption();
      expect(reply.status).toBe(200);
      const acme = reply.json.tenants.find(
        (t: { tenantId: string }) => t.tenantId === 'acme',
      );
      expect(acme).toMatchObject({
        requested: 1,
        completed: 1,
        partial: 0,
        failed: 0,
        downloads: 2,
        jobsDownloaded: 1,
      });
      expect(acme.timeToValue.jobs).toBe(1);
      const ttv = acme.timeToValue.medianSeconds as number;
      expect(ttv).toBeGreaterThan(0);
      expect(ttv).toBeLessThanOrEqual((downloadedAt - requestedAt) / 1000 + 1);
      expect(acme.timeToValue.p95Seconds).toBe(ttv);
      expect(reply.json.global).toMatchObject({
        requested: 2,
        completed: 2,
        downloads: 2,
        jobsDownloaded: 1,
        timeToValue: { jobs: 1, medianSeconds: ttv },
      });
      const globex = reply.json.tenants.find(
        (t: { tenantId: string }) => t.tenantId === 'globex',
      );
      expect(globex).toMatchObject({
        requested: 1,
        downloads: 0,
        timeToValue: { jobs: 0, medianSeconds: null, p95Seconds: null },
      });
    });

    it('counts nothing outside the window', async () => {
      const reply = await adoption(
        '?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z',
      );
      expect(reply.status).toBe(200);
      expect(reply.json.tenants).toEqual([]);
      expect(reply.json.global.requested).toBe(0);
    });

    it('is for platform operators only', async () => {
      expect((await adoption('', null)).status).toBe(401);
      expect((await adoption('', 'not-a-token-at-all-000000')).status).toBe(
        401,
      );
      const tenant = await adoption('', api.tokens.acme);
      expect(tenant.status).toBe(403);
      expect(tenant.json.code).toBe('DP_FORBIDDEN');
    });

    it('refuses a window it cannot read', async () => {
      const bad = await adoption('?to=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.json.code).toBe('DP_TIME_INVALID');
      const unknown = await adoption('?tenant=acme');
      expect(unknown.status).toBe(400);
    });
  });

  it('forwards every event to the sink, though it failed at first', async () => {
    await eventually(() => sink.accepted().length >= 6);
    expect(sink.requests.slice(0, 2).map((r) => r.status)).toEqual([503, 502]);
    const mine = sink
      .accepted()
      .filter((e) => e.jobId === completed)
      .map((e) => e.name);
    expect(mine).toEqual([
      'export.requested',
      'export.completed',
      'bundle.downloaded',
      'bundle.downloaded',
    ]);
    const done = sink
      .accepted()
      .find((e) => e.jobId === completed && e.name === 'export.completed');
    expect(done).toMatchObject({ tenantId: 'acme', items: expect.any(Number) });
    expect(done?.bytes).toBeGreaterThan(0);
    expect(done?.durationMs).toBeGreaterThan(0);
    // Ids, sizes and durations only: nobody's name or address.
    expect(JSON.stringify(sink.accepted())).not.toContain('alice@acme');
  });

  it('keeps each tenant’s events from the others (row-level security)', async () => {
    const { db } = api.server.runtime;
    const seen = await tenantScopedDatabase(db, 'globex').query<{
      tenant_id: string;
    }>('SELECT DISTINCT tenant_id FROM analytics_events');
    expect(seen.rows).toEqual([{ tenant_id: 'globex' }]);
  });
});
