import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type Reply,
  type TestServer,
} from '../support/api.js';
import { exportAndWait } from '../support/exports.js';
import {
  PROMETHEUS,
  alertRules,
  panelQueries,
  prometheusTools,
  ruleFiles,
  startPrometheus,
  withGrafanaVariables,
  type PrometheusServer,
} from '../support/prometheus.js';

const tools = prometheusTools(PROMETHEUS);

// The bounds of dp_export_duration_seconds (src/telemetry/metrics.ts).
const DURATION_BOUNDS = [
  0.25, 0.5, 1, 2, 5, 10, 30, 60, 90, 108, 120, 180, 300, 600, 1200,
];

/** What Prometheus's histogram_quantile gives for these bucket counts. */
function quantileOf(q: number, counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const rank = q * total;
  let below = 0;
  for (const [i, count] of counts.entries()) {
    if (below + count >= rank && count > 0) {
      const end = DURATION_BOUNDS[i];
      if (end === undefined) return DURATION_BOUNDS.at(-1) as number;
      const start = i === 0 ? 0 : (DURATION_BOUNDS[i - 1] as number);
      return start + (end - start) * ((rank - below) / count);
    }
    below += count;
  }
  return NaN;
}

function bucketOf(seconds: number): number {
  const i = DURATION_BOUNDS.findIndex((bound) => seconds <= bound);
  return i === -1 ? DURATION_BOUNDS.length : i;
}

/**
 * Every p95 the worker's observations can give. The API's timestamps
 * bound each duration from below; the worker observes it a little later
 * (after the publishing transaction), so a job near a bucket bound may
 * land in the next bucket: each such choice is one possible answer.
 */
function possibleP95(durations: number[], slackSeconds: number): number[] {
  let choices: number[][] = [[]];
  for (const d of durations) {
    const buckets: number[] = [];
    for (let b = bucketOf(d); b <= bucketOf(d + slackSeconds); b += 1) {
      buckets.push(b);
    }
    choices = choices.flatMap((c) => buckets.map((b) => [...c, b]));
  }
  return choices.map((chosen) => {
    const counts = new Array<number>(DURATION_BOUNDS.length + 1).fill(0);
    for (const b of chosen) counts[b] = (counts[b] as number) + 1;
    return quantileOf(0.95, counts);
  });
}

function durationOf(job: Reply): number {
  const { createdAt, finishedAt } = job.json as {
    createdAt: string;
    finishedAt: string;
  };
  return (Date.parse(finishedAt) - Date.parse(createdAt)) / 1000;
}

const scalar = (result: { value: [number, string] }[]) =>
  result.length === 1 ? Number(result[0]?.value[1]) : undefined;

const withPrometheus = tools.available
  ? 'Prometheus scraping the running service'
  : `Prometheus scraping the running service (skipped: ${tools.reason})`;

describe.skipIf(!tools.available)(withPrometheus, () => {
  let api: TestServer;
  let prometheus: PrometheusServer;
  const jobs: Reply[] = [];

  beforeAll(async () => {
    // The first export fails on purpose: its object store refuses to
    // open twice, which spends both of its attempts (one retry). Later
    // exports find the store working again.
    api = await startTestServer({
      jobs: {
        failpoints: 'store.open=fail(2)',
        maxAttempts: 2,
        retryBaseSeconds: 0.05,
        retryMaxSeconds: 0.1,
      },
    });
    prometheus = await startPrometheus(new URL(api.server.url).host, {
      ruleFiles: await ruleFiles(),
    });
    await prometheus.waitFor('up{job="disclosure-packager"}', (r) =>
      scalar(r) === 1 ? true : undefined,
    );

    jobs.push(await exportAndWait(api, 'acme'));
    jobs.push(await exportAndWait(api, 'acme'));
    jobs.push(await exportAndWait(api, 'globex'));
    jobs.push(await exportAndWait(api, 'acme'));
    const download = await api.call(
      'GET',
      `/jobs/${jobs[1]?.json.jobId as string}/bundle`,
    );
    expect(download.status).toBe(200);

    // Scraped once the last export and the download are counted.
    await prometheus.waitFor(
      'sum(dp_exports_total{status="completed"}) + sum(dp_bundle_downloads_total)',
      (r) => (scalar(r) === 4 ? true : undefined),
    );
  });
  afterAll(async () => {
    await prometheus?.close();
    await api?.close();
  });

  it('ran one failed and three completed exports', () => {
    expect(jobs.map((j) => (j.json as { status: string }).status)).toEqual([
      'failed',
      'completed',
      'completed',
      'completed',
    ]);
    expect(jobs[0]?.json.error.code).toBe('DP_STORAGE_UNAVAILABLE');
  });

  it('counts the failure, its retry and its reason', async () => {
    expect(
      scalar(await prometheus.query('sum(dp_exports_total{status="failed"})')),
    ).toBe(1);
    expect(
      scalar(
        await prometheus.query(
          'dp_export_failures_total{code="DP_STORAGE_UNAVAILABLE"}',
        ),
      ),
    ).toBe(1);
    expect(scalar(await prometheus.query('sum(dp_export_retries_total)'))).toBe(
      1,
    );
    expect(
      scalar(await prometheus.query('sum(dp_exports_requested_total)')),
    ).toBe(4);
  });

  it('gives a retry rate of 1 in 5 attempts', async () => {
    // Attempts: the failed job's retried one and its last, and three
    // that completed.
    expect(
      scalar(
        await prometheus.query(
          'sum(rate(dp_export_retries_total[1h])) / sum(rate(dp_export_attempts_total[1h]))',
        ),
      ),
    ).toBeCloseTo(0.2, 9);
  });

  it('gives a success rate of 3 in 4, by the alert rule expression', async () => {
    const [rule] = (await alertRules()).filter(
      (r) => r.alert === 'DisclosureExportSuccessRateLow',
    );
    // The rule's expression without its threshold: the rate itself.
    const rate = (rule?.expr ?? '').replace(/<\s*0\.99\s*$/, '');
    expect(rate).not.toContain('<');
    expect(scalar(await prometheus.query(rate))).toBeCloseTo(0.75, 9);
  });

  it('gives each tenant its own success rate: acme 2 in 3, globex 1', async () => {
    const result = await prometheus.query(
      'sum by (tenant) (rate(dp_exports_total{status="completed"}[1h]))' +
        ' / sum by (tenant) (rate(dp_exports_total{status=~"completed|partial|failed"}[1h]))',
    );
    const byTenant: Record<string, number> = Object.fromEntries(
      result.map((s) => [s.metric.tenant ?? '', Number(s.value[1])]),
    );
    expect(Object.keys(byTenant).sort()).toEqual(['acme', 'globex']);
    expect(byTenant.acme).toBeCloseTo(2 / 3, 9);
    expect(byTenant.globex).toBeCloseTo(1, 9);
  });

  it('gives the p95 of the completed exports their durations imply', async () => {
    const durations = jobs.slice(1).map(durationOf);
    const p95 = scalar(
      await prometheus.query(
        'histogram_quantile(0.95, sum by (le) (rate(' +
          'dp_export_duration_seconds_bucket{status=~"completed|partial"}[1h])))',
      ),
    );
    const possible = possibleP95(durations, 0.25);
    expect(
      possible.some((p) => Math.abs(p - (p95 as number)) < 1e-9),
      `p95 ${p95} for durations ${durations.join(', ')} s; ` +
        `expected one of ${possible.join(', ')}`,
    ).toBe(true);
    expect(p95).toBeLessThan(108);
  });

  it('counts the download and its time to value', async () => {
    expect(
      scalar(await prometheus.query('dp_bundle_downloads_total{via="token"}')),
    ).toBe(1);
    expect(
      scalar(await prometheus.query('dp_time_to_value_seconds_count')),
    ).toBe(1);
  });

  it('reads an empty queue from the database', async () => {
    expect(scalar(await prometheus.query('max(dp_export_queue_depth)'))).toBe(
      0,
    );
    expect(scalar(await prometheus.query('max(dp_export_jobs_running)'))).toBe(
      0,
    );
  });

  it('evaluates every alert rule without error, and has the success-rate alerts pending', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/rules?type=alert`);
    const body = (await res.json()) as {
      data: {
        groups: {
          rules: {
            name: string;
            health: string;
            lastError?: string;
            alerts: { labels: Record<string, string>; state: string }[];
          }[];
        }[];
      };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      (await alertRules()).map((r) => r.alert).sort(),
    );
    // Rules are evaluated every second; wait for one evaluation of each.
    for (const rule of rules) {
      expect(
        rule.health === 'ok' || rule.health === 'unknown',
        `${rule.name}: ${rule.lastError}`,
      ).toBe(true);
    }
    const alerts = await prometheus.waitFor('ALERTS', (r) => {
      if (r.length < 3) return undefined;
      const names = r.map(
        (s) =>
          `${s.metric.alertname}${s.metric.tenant ? `/${s.metric.tenant}` : ''}`,
      );
      return names.sort();
    });
    // 75% globally and 67% for acme, and 1 retry in 5 attempts, all for
    // less than the rules' 'for'; globex completed everything and stays
    // quiet, as do the queue, latency, webhook and DLP alerts.
    expect(alerts).toEqual([
      'DisclosureExportRetryRateHigh',
      'DisclosureExportSuccessRateLow',
      'DisclosureExportSuccessRateLowForTenant/acme',
    ]);
    const states = await prometheus.query('ALERTS');
    expect(states.map((s) => s.metric.alertstate)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('answers every dashboard query without error', async () => {
    for (const { dashboard, panel, expr } of await panelQueries()) {
      await expect(
        prometheus.query(withGrafanaVariables(expr)),
        `${dashboard} › ${panel}`,
      ).resolves.toBeDefined();
    }
  });
});
