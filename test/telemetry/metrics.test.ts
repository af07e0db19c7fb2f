import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactKind } from '../../src/domain/index.js';
import { Metrics } from '../../src/telemetry/index.js';
import { startTestServer, type TestServer } from '../support/api.js';
import { BACKENDS, DATABASE_URL } from '../support/db.js';
import { ALL_KINDS, exportAndWait, recentWindow } from '../support/exports.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';

/**
 * The value of one sample of a /metrics text, found by name and labels in
 * any order; undefined when the series is not exposed.
 */
function sampleOf(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)].map(
        (m) => [m[1] ?? '', m[2] ?? ''],
      ),
    );
    const same =
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => found[k] === v);
    if (same) return Number(match[3]);
  }
  return undefined;
}

async function scrape(api: TestServer): Promise<string> {
  const reply = await api.call('GET', '/metrics', { token: null });
  expect(reply.status).toBe(200);
  return reply.bytes.toString('utf8');
}

describe('the queue gauges', () => {
  it('are NaN, not zero, while the database cannot be read', async () => {
    const metrics = new Metrics({ defaults: false });
    metrics.watchQueue(() => Promise.reject(new Error('connection refused')));
    const text = await metrics.scrape();
    expect(sampleOf(text, 'dp_export_queue_depth')).toBeNaN();
    expect(sampleOf(text, 'dp_export_jobs_running')).toBeNaN();
    expect(sampleOf(text, 'dp_export_queue_oldest_seconds')).toBeNaN();
  });

  it('share one database read between overlapping scrapes', async () => {
    const metrics = new Metrics({ defaults: false });
    let reads = 0;
    metrics.watchQueue(async () => {
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { pending: 3, running: 1, oldestPendingSeconds: 12 };
    });
    const [a, b] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    expect(reads).toBe(1);
    for (const text of [a, b]) {
      expect(sampleOf(text, 'dp_export_queue_depth')).toBe(3);
      expect(sampleOf(text, 'dp_export_jobs_running')).toBe(1);
      expect(sampleOf(text, 'dp_export_queue_oldest_seconds')).toBe(12);
    }
  });

  // An API without a worker leaves its exports pending: what the gauges
  // read at scrape time is the database's own count.
  describe.skipIf(!DATABASE_URL)('on an API with no worker', () => {
    let api: TestServer;
    beforeAll(async () => {
      api = await startTestServer({ worker: false });
    });
    afterAll(async () => {
      await api?.close();
    });

    it('count the pending jobs of every tenant, and none running', async () => {
      const before = await scrape(api);
      expect(sampleOf(before, 'dp_export_queue_depth')).toBe(0);
      for (const tenant of ['acme', 'acme', 'globex'] as const) {
        const accepted = await api.call('POST', '/disclosures/export', {
          token: api.tokens[tenant],
          body: {
            tenantId: tenant,
            dateRange: recentWindow(),
            artifacts: ALL_KINDS,
          },
        });
        expect(accepted.status).toBe(202);
      }
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const text = await scrape(api);
      expect(sampleOf(text, 'dp_export_queue_depth')).toBe(3);
      expect(sampleOf(text, 'dp_export_jobs_running')).toBe(0);
      expect(
        sampleOf(text, 'dp_export_queue_oldest_seconds'),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sampleOf(text, 'dp_exports_requested_total', { tenant: 'acme' }),
      ).toBe(2);
      expect(
        sampleOf(text, 'dp_exports_requested_total', { tenant: 'globex' }),
      ).toBe(1);
    });
  });
});

describe.each(BACKENDS)('download metrics on %s', (backend) => {
  let api: TestServer;
  let jobId: string;
  let downloadUrl: string;

  beforeAll(async () => {
    api = await startTestServer({ backend });
    const job = await exportAndWait(api, 'acme');
    expect(job.json.status).toBe('completed');
    jobId = job.json.jobId as string;
    downloadUrl = job.json.bundle.downloadUrl as string;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('start every credential at zero, before any download', async () => {
    const text = await scrape(api);
    for (const via of ['token', 'oidc', 'link']) {
      expect(sampleOf(text, 'dp_bundle_downloads_total', { via })).toBe(0);
    }
    expect(sampleOf(text, 'dp_time_to_value_seconds_count')).toBe(0);
  });

  it('count downloads by credential, and the time to value once per job', async () => {
    expect((await api.call('GET', `/jobs/${jobId}/bundle`)).status).toBe(200);
    expect((await api.call('GET', `/jobs/${jobId}/bundle`)).status).toBe(200);
    const viaLink = await api.call('GET', downloadUrl, { token: null });
    expect(viaLink.status).toBe(200);

    // A download counts once its last byte is handed to the socket, which
    // in this one process can come just after the client has read it.
    let text = '';
    const counted = async () => {
      text = await scrape(api);
      return [
        sampleOf(text, 'dp_bundle_downloads_total', { via: 'token' }),
        sampleOf(text, 'dp_bundle_downloads_total', { via: 'link' }),
        sampleOf(text, 'dp_time_to_value_seconds_count'),
      ];
    };
    await expect.poll(counted, { timeout: 5000 }).toEqual([2, 1, 1]);
    // Request to first download: at least the export's own run, and no
    // more than the time this test has taken since.
    const job = await api.call('GET', `/jobs/${jobId}`);
    const created = Date.parse(job.json.createdAt as string);
    const sum = sampleOf(text, 'dp_time_to_value_seconds_sum') as number;
    expect(sum).toBeGreaterThanOrEqual(
      (Date.parse(job.json.finishedAt as string) - created) / 1000,
    );
    expect(sum).toBeLessThanOrEqual((Date.now() - created) / 1000);
  });

  it('count nothing for a download refused', async () => {
    const before = await scrape(api);
    const refused = await api.call('GET', `/jobs/${jobId}/bundle`, {
      token: api.tokens.acmeViewer,
    });
    expect(refused.status).toBe(403);
    const after = await scrape(api);
    for (const via of ['token', 'link']) {
      expect(sampleOf(after, 'dp_bundle_downloads_total', { via })).toBe(
        sampleOf(before, 'dp_bundle_downloads_total', { via }),
      );
    }
  });
});

describe.each(BACKENDS)('export metrics of the worker on %s', (backend) => {
  let h: JobHarness;

  beforeAll(async () => {
    // One attempt per job: a failure is final at once.
    h = await openJobHarness(backend, 'metrics', { maxAttempts: 1 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const exportOf = async (tenantId = 'acme') =>
    (
      await h.jobs.createExport({
        tenantId,
        window: h.window,
        artifacts: ['audit-events', 'sboms', 'policy-reports'],
        requestedBy: 'alice',
        idempotencyKey: null,
      })
    ).job;

  // The worker counts a job just after committing its final status, so a
  // test that saw the status polls the metric for a moment.
  const valueOf = async (name: string, labels: Record<string, string>) => {
    const metric = await h.metrics.registry.getSingleMetric(name)?.get();
    return metric?.values.find((v) =>
      Object.entries(labels).every(([k, value]) => v.labels[k] === value),
    )?.value;
  };

  it('count each failed source call by kind and code, retried or not', async () => {
    const worker = await h.startWorker({ faults: 'fetch.sboms=fail(2)' });
    try {
      const job = await exportOf();
      const done = await h.waitFor(job.id, ['completed', 'partial', 'failed']);
      expect(done.status).toBe('completed');
      await expect
        .poll(() =>
          valueOf('dp_source_errors_total', {
            kind: 'sboms',
            code: 'DP_SOURCE_UNAVAILABLE',
          }),
        )
        .toBe(2);
      await expect
        .poll(() =>
          valueOf('dp_exports_total', {
            status: 'completed',
            tenant: 'acme',
          }),
        )
        .toBe(1);
    } finally {
      await worker.stop(0);
    }
  });

  it('count a kind left out of a partial bundle, and the partial export for its tenant', async () => {
    const worker = await h.startWorker({
      faults: 'fetch.policy-reports=fail',
    });
    try {
      const job = await exportOf('globex');
      const done = await h.waitFor(job.id, ['completed', 'partial', 'failed'], {
        tenantId: 'globex',
      });
      expect(done.status).toBe('partial');
      const kind: ArtifactKind = 'policy-reports';
      await expect
        .poll(() => valueOf('dp_export_kinds_omitted_total', { kind }))
        .toBe(1);
      await expect
        .poll(() => valueOf('dp_export_kinds_omitted_total', { kind: 'sboms' }))
        .toBe(0);
      await expect
        .poll(() =>
          valueOf('dp_exports_total', {
            status: 'partial',
            tenant: 'globex',
          }),
        )
        .toBe(1);
    } finally {
      await worker.stop(0);
    }
  });

  it('count a failed export by the code that failed it', async () => {
    const worker = await h.startWorker({ faults: 'store.open=fail' });
    try {
      const job = await exportOf();
      const done = await h.waitFor(job.id, ['completed', 'partial', 'failed']);
      expect(done.status).toBe('failed');
      await expect
        .poll(() =>
          valueOf('dp_export_failures_total', {
            code: 'DP_STORAGE_UNAVAILABLE',
          }),
        )
        .toBe(1);
      await expect
        .poll(() =>
          valueOf('dp_exports_total', { status: 'failed', tenant: 'acme' }),
        )
        .toBe(1);
    } finally {
      await worker.stop(0);
    }
  });
});
