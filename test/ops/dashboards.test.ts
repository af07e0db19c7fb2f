import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../support/api.js';
import { exportAndWait } from '../support/exports.js';
import {
  PROMTOOL,
  alertRules,
  dashboardFiles,
  exposedNames,
  metricNamesOf,
  panelQueries,
  prometheusTools,
  promtool,
  withGrafanaVariables,
} from '../support/prometheus.js';

const tools = prometheusTools(PROMTOOL);

// Series Prometheus records itself for every target it scrapes.
const SCRAPE_SERIES = new Set(['up']);

interface Expression {
  where: string;
  expr: string;
}

/** Every PromQL expression of the dashboards and the alert rules. */
async function allExpressions(): Promise<Expression[]> {
  const panels = (await panelQueries()).map((q) => ({
    where: `${q.dashboard} › ${q.panel}`,
    expr: q.expr,
  }));
  const alerts = (await alertRules()).map((r) => ({
    where: `alert ${r.alert}`,
    expr: r.expr,
  }));
  return [...panels, ...alerts];
}

describe('metric names in PromQL', () => {
  it('are what remains once functions, labels and ranges are removed', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (le, route) ' +
          '(rate(dp_http_request_duration_seconds_bucket{status=~"5.."}[5m])))' +
          ' / on (route) group_left max(up offset 1h) > bool 1e3',
      ),
    ).toEqual(['dp_http_request_duration_seconds_bucket', 'up']);
  });
});

describe('the Grafana dashboards (ops/grafana)', () => {
  it('lay their panels out on the 24-column grid without overlaps', async () => {
    for (const file of await dashboardFiles()) {
      const doc = JSON.parse(await readFile(file, 'utf8')) as {
        title: string;
        panels: {
          title: string;
          gridPos: { x: number; y: number; w: number; h: number };
        }[];
      };
      const taken = new Map<string, string>();
      for (const { title, gridPos: g } of doc.panels) {
        expect(g.x + g.w, `${doc.title} › ${title}`).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x += 1) {
          for (let y = g.y; y < g.y + g.h; y += 1) {
            const other = taken.get(`${x},${y}`);
            expect(other, `${doc.title} › ${title} overlaps`).toBeUndefined();
            taken.set(`${x},${y}`, title);
          }
        }
      }
    }
  });

  it('are the Exports, Errors and Adoption dashboards, with unique ids', async () => {
    const docs = await Promise.all(
      (await dashboardFiles()).map(
        async (f) =>
          JSON.parse(await readFile(f, 'utf8')) as {
            uid: string;
            title: string;
            panels: { id: number }[];
          },
      ),
    );
    expect(docs.map((d) => d.title).sort()).toEqual([
      'Disclosure Packager / Adoption',
      'Disclosure Packager / Errors',
      'Disclosure Packager / Exports',
    ]);
    expect(new Set(docs.map((d) => d.uid)).size).toBe(docs.length);
    for (const doc of docs) {
      const ids = doc.panels.map((p) => p.id);
      expect(new Set(ids).size, doc.title).toBe(ids.length);
    }
  });

  describe('and the alert rules, against a real scrape of the service', () => {
    let api: TestServer;
    let exposed: Set<string>;
    let scraped: string;

    beforeAll(async () => {
      api = await startTestServer();
      // One export, downloaded, so that every series a first export
      // touches exists, histograms and the time to value included.
      const job = await exportAndWait(api, 'acme');
      expect(job.json.status).toBe('completed');
      const download = await api.call('GET', `/jobs/${job.json.jobId}/bundle`);
      expect(download.status).toBe(200);
      const scrape = await api.call('GET', '/metrics', { token: null });
      expect(scrape.status).toBe(200);
      scraped = scrape.bytes.toString('utf8');
      exposed = exposedNames(scraped);
    });
    afterAll(async () => {
      await api?.close();
    });

    it('name only metrics that the service exports', async () => {
      const unknown: string[] = [];
      for (const { where, expr } of await allExpressions()) {
        const names = metricNamesOf(expr);
        expect(
          names.length,
          `${where} names no metric: ${expr}`,
        ).toBeGreaterThan(0);
        for (const name of names) {
          if (!exposed.has(name) && !SCRAPE_SERIES.has(name)) {
            unknown.push(`${where}: ${name}`);
          }
        }
      }
      expect(unknown).toEqual([]);
    });

    it('are each documented in docs/metrics.md', async () => {
      const doc = await readFile(
        path.resolve(import.meta.dirname, '../../docs/metrics.md'),
        'utf8',
      );
      const families = [...scraped.matchAll(/^# TYPE (dp_\S+)/gm)]
        .map((m) => m[1] ?? '')
        .filter((name) => !/^dp_(process|nodejs)_/.test(name));
      expect(families.length).toBeGreaterThan(20);
      const missing = families.filter((name) => !doc.includes(`\`${name}\``));
      expect(missing).toEqual([]);
    });

    it('cover the metrics the issue lists', async () => {
      const used = new Set(
        (await allExpressions()).flatMap((e) => metricNamesOf(e.expr)),
      );
      for (const name of [
        'dp_export_duration_seconds_bucket',
        'dp_exports_total',
        'dp_exports_requested_total',
        'dp_export_retries_total',
        'dp_export_queue_depth',
        'dp_export_jobs_running',
        'dp_bundle_size_bytes_bucket',
        'dp_export_evidence_items_total',
        'dp_source_errors_total',
        'dp_webhook_deliveries_total',
        'dp_webhook_delivery_latency_seconds_bucket',
        'dp_bundle_downloads_total',
        'dp_time_to_value_seconds_bucket',
        'dp_dlp_hits_total',
        'dp_http_request_duration_seconds_bucket',
        'dp_export_failures_total',
        'dp_export_kinds_omitted_total',
      ]) {
        expect(used, name).toContain(name);
      }
    });
  });

  const withPromtool = tools.available
    ? 'with promtool'
    : `with promtool (skipped: ${tools.reason})`;
  describe.skipIf(!tools.available)(withPromtool, () => {
    let scratch: string;
    beforeAll(async () => {
      scratch = await mkdtemp(path.join(os.tmpdir(), 'dp-promql-'));
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    // promtool 2.42 has no check for a lone expression, but it parses
    // every expression of a rule file: each becomes a recording rule.
    it('parse, every expression of every panel and alert', async () => {
      const expressions = await allExpressions();
      const file = path.join(scratch, 'expressions.yml');
      await writeFile(
        file,
        stringify({
          groups: [
            {
              name: 'every-expression',
              rules: expressions.map((e, i) => ({
                record: `dp_check:expression_${i}`,
                expr: withGrafanaVariables(e.expr),
              })),
            },
          ],
        }),
      );
      const output = await promtool('check', 'rules', file);
      expect(output).toContain(`SUCCESS: ${expressions.length} rules found`);
    });

    it('refuse an expression that does not parse, naming it', async () => {
      const file = path.join(scratch, 'broken.yml');
      await writeFile(
        file,
        stringify({
          groups: [
            {
              name: 'broken',
              rules: [{ record: 'dp_check:broken', expr: 'sum(rate(x[5m])' }],
            },
          ],
        }),
      );
      await expect(promtool('check', 'rules', file)).rejects.toThrow(
        /dp_check:broken|unclosed|parse error/,
      );
    });
  });
});
