import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  PROMTOOL,
  RULE_FILES_DIR,
  alertRules,
  prometheusTools,
  promtool,
  ruleFiles,
} from '../support/prometheus.js';

const tools = prometheusTools(PROMTOOL);
const RUNBOOK = path.resolve(
  import.meta.dirname,
  '../../docs/RUNBOOK-Disclosure-Packager.md',
);
const TESTS_DIR = path.join(RULE_FILES_DIR, 'tests');

/** The alert names each promtool test case expects firing, and quiet. */
async function coverage(): Promise<{
  firing: Set<string>;
  quiet: Set<string>;
}> {
  const firing = new Set<string>();
  const quiet = new Set<string>();
  for (const file of await readdir(TESTS_DIR)) {
    const doc = parse(await readFile(path.join(TESTS_DIR, file), 'utf8')) as {
      tests: {
        alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
      }[];
    };
    for (const test of doc.tests) {
      for (const check of test.alert_rule_test ?? []) {
        const into = check.exp_alerts?.length ? firing : quiet;
        into.add(check.alertname);
      }
    }
  }
  return { firing, quiet };
}

/** GitHub's anchor of a Markdown heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('Prometheus alert rules (ops/prometheus)', () => {
  const withPromtool = tools.available
    ? 'with promtool'
    : `with promtool (skipped: ${tools.reason})`;
  describe.skipIf(!tools.available)(withPromtool, () => {
    it('are valid rule files (promtool check rules)', async () => {
      const output = await promtool('check', 'rules', ...(await ruleFiles()));
      expect(output).toMatch(/SUCCESS: \d+ rules found/);
      expect(output).not.toMatch(/FAILED/);
    });

    it('pass their unit tests (promtool test rules)', async () => {
      const tests = (await readdir(TESTS_DIR)).map((f) =>
        path.join(TESTS_DIR, f),
      );
      expect(tests.length).toBeGreaterThan(0);
      const output = await promtool('test', 'rules', ...tests);
      expect(output).toContain('SUCCESS');
      expect(output).not.toContain('FAILED');
    });
  });

  it('include every alert the SLOs and the issue ask for', async () => {
    const names = (await alertRules()).map((r) => r.alert).sort();
    expect(names).toEqual(
      [
        'DisclosureDlpHit',
        'DisclosureExportLatencyHigh',
        'DisclosureExportQueueBacklog',
        'DisclosureExportRetryRateHigh',
        'DisclosureExportSuccessRateLow',
        'DisclosureExportSuccessRateLowForTenant',
        'DisclosurePackagerMetricsAbsent',
        'DisclosurePackagerScrapeFailing',
        'DisclosureWebhookDeliveriesAbandoned',
        'DisclosureWebhookFailureRateHigh',
      ].sort(),
    );
  });

  it('are each tested firing and staying quiet', async () => {
    const { firing, quiet } = await coverage();
    for (const rule of await alertRules()) {
      expect(firing, `${rule.alert} is never tested firing`).toContain(
        rule.alert,
      );
      expect(quiet, `${rule.alert} is never tested quiet`).toContain(
        rule.alert,
      );
    }
  });

  it('each link to an entry of the runbook that exists', async () => {
    const runbook = await readFile(RUNBOOK, 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')),
    );
    for (const rule of await alertRules()) {
      const url = rule.annotations?.runbook_url ?? '';
      expect(url, rule.alert).toMatch(
        /^docs\/RUNBOOK-Disclosure-Packager\.md#[a-z0-9-]+$/,
      );
      expect(anchors, `${rule.alert} links ${url}`).toContain(
        url.split('#')[1],
      );
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.labels?.severity, rule.alert).toMatch(/^(page|warning)$/);
    }
  });
});
