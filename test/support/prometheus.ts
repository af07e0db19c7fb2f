import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

/** Debian's prometheus package puts both binaries here. */
export const PROMTOOL = process.env.DP_PROMTOOL ?? '/usr/bin/promtool';
export const PROMETHEUS = process.env.DP_PROMETHEUS ?? '/usr/bin/prometheus';

export const OPS_DIR = path.resolve(import.meta.dirname, '../../ops');
export const RULE_FILES_DIR = path.join(OPS_DIR, 'prometheus');
export const DASHBOARDS_DIR = path.join(OPS_DIR, 'grafana');

/**
 * Whether a Prometheus binary can run here. Tests that need one skip when
 * it is absent, unless DP_REQUIRE_PROMETHEUS is set (CI sets it), in which
 * case they run and fail loudly.
 */
export function prometheusTools(binary: string): {
  available: boolean;
  reason: string;
} {
  if (existsSync(binary) || process.env.DP_REQUIRE_PROMETHEUS) {
    return { available: true, reason: '' };
  }
  return {
    available: false,
    reason:
      `${binary} is missing: install Debian's prometheus package ` +
      '(apt-get install prometheus), or set DP_REQUIRE_PROMETHEUS=1 to ' +
      'make its absence a failure',
  };
}

const run = promisify(execFile);

/** Runs promtool; resolves with its output, or rejects with it. */
export async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, {
      timeout: 60_000,
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as {
      stdout?: string;
      stderr?: string;
    };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
}

/** One alerting rule of ops/prometheus, with the file it is in. */
export interface AlertRule {
  file: string;
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every alerting rule file of ops/prometheus (tests/ aside). */
export async function ruleFiles(): Promise<string[]> {
  const names = await readdir(RULE_FILES_DIR);
  return names
    .filter((n) => n.endsWith('.yml') || n.endsWith('.yaml'))
    .map((n) => path.join(RULE_FILES_DIR, n))
    .sort();
}

export async function alertRules(): Promise<AlertRule[]> {
  const rules: AlertRule[] = [];
  for (const file of await ruleFiles()) {
    const doc = parse(await readFile(file, 'utf8')) as {
      groups: { rules: Omit<AlertRule, 'file'>[] }[];
    };
    for (const group of doc.groups) {
      for (const rule of group.rules) {
        if (rule.alert) rules.push({ ...rule, file });
      }
    }
  }
  return rules;
}

/** A PromQL expression of a Grafana panel, and where it is. */
export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

interface GrafanaPanel {
  title: string;
  targets?: { expr?: string }[];
  panels?: GrafanaPanel[];
}

export async function dashboardFiles(): Promise<string[]> {
  const names = await readdir(DASHBOARDS_DIR);
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => path.join(DASHBOARDS_DIR, n))
    .sort();
}

/** Every target expression of every panel (rows' panels included). */
export async function panelQueries(): Promise<PanelQuery[]> {
  const queries: PanelQuery[] = [];
  for (const file of await dashboardFiles()) {
    const doc = JSON.parse(await readFile(file, 'utf8')) as {
      title: string;
      panels: GrafanaPanel[];
    };
    const visit = (panels: GrafanaPanel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) {
            queries.push({
              dashboard: doc.title,
              panel: panel.title,
              expr: target.expr,
            });
          }
        }
        visit(panel.panels ?? []);
      }
    };
    visit(doc.panels);
  }
  return queries;
}

/**
 * Grafana's variables replaced by values Prometheus accepts, so that a
 * panel's query can be parsed and run outside Grafana.
 */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h')
    .replaceAll('$tenant', '.*');
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects. Strings, label matchers,
 * grouping label lists, durations and function names are removed first;
 * what remains as a bare identifier is a metric name.
 */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(
      /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
      ' ',
    )
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = bare.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (KEYWORDS.has(word.toLowerCase())) continue;
    const before = bare.slice(0, match.index ?? 0);
    if (/[0-9.]$/.test(before)) continue; // the unit of a number: 1e3, 5m
    names.add(word);
  }
  return [...names].sort();
}

/**
 * The names a scrape of /metrics declares: every family of its TYPE lines,
 * with the _bucket, _sum and _count series a histogram's family exposes.
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) {
      const [, name = '', type] = typed;
      names.add(name);
      if (type === 'histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) {
          names.add(name + suffix);
        }
      }
      if (type === 'summary') {
        for (const suffix of ['_sum', '_count']) names.add(name + suffix);
      }
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}

/** A port nobody listens on now (Prometheus cannot be given port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PrometheusServer {
  url: string;
  /** An instant query; its result vector. */
  query(
    expr: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Waits until `check` holds for the query's result, or fails. */
  waitFor<T>(
    expr: string,
    check: (
      result: { metric: Record<string, string>; value: [number, string] }[],
    ) => T | undefined,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

/**
 * Starts Debian's Prometheus with a temporary data directory, scraping
 * `target` (host:port) every second.
 */
export async function startPrometheus(
  target: string,
  options: { ruleFiles?: string[] } = {},
): Promise<PrometheusServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dp-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      options.ruleFiles?.length
        ? `rule_files:\n${options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`).join('\n')}`
        : '',
      'scrape_configs:',
      '  - job_name: disclosure-packager',
      '    static_configs:',
      `      - targets: [${JSON.stringify(target)}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );

  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  const query: PrometheusServer['query'] = async (expr) => {
    const res = await fetch(
      `${url}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    }
    if (body.data.resultType !== 'vector') {
      throw new Error(`query ${expr} gave a ${body.data.resultType}`);
    }
    return body.data.result as Awaited<ReturnType<PrometheusServer['query']>>;
  };

  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) {
        throw new Error(`prometheus exited:\n${output.join('')}`);
      }
      const res = await fetch(`${url}/-/ready`).catch(() => null);
      return res?.ok ? true : undefined;
    }, 30_000);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    url,
    query,
    waitFor: (expr, check, timeoutMs = 30_000) =>
      waitUntil(
        async () => check(await query(expr)),
        timeoutMs,
        () =>
          query(expr).then(
            (r) => `last result of ${expr}: ${JSON.stringify(r)}`,
            (e: Error) => e.message,
          ),
      ),
    close,
  };
}

async function waitUntil<T>(
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const why = explain ? await explain() : '';
      throw new Error(`gave up after ${timeoutMs} ms. ${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
