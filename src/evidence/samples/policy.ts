import { stringify } from 'yaml';
import { SAMPLE_NAMESPACE, SAMPLE_WORKLOAD } from './audit.js';
import { SAMPLE_LABEL } from './seed.js';

type Outcome = 'pass' | 'fail' | 'warn';

interface Check {
  policy: string;
  rule: string;
  result: Outcome;
  severity: 'low' | 'medium' | 'high';
  category: string;
  message: string;
}

// A plausible mix for one workload: mostly compliant, two real findings.
const CHECKS: readonly Check[] = [
  check(
    'disallow-privileged',
    'privileged-containers',
    'pass',
    'high',
    'Pod Security',
    'no container runs privileged',
  ),
  check(
    'require-run-as-non-root',
    'run-as-non-root',
    'pass',
    'high',
    'Pod Security',
    'all containers set runAsNonRoot',
  ),
  check(
    'restrict-image-registries',
    'allowed-registries',
    'pass',
    'medium',
    'Supply Chain',
    'images come from registry.example.com',
  ),
  check(
    'require-image-signature',
    'verify-signature',
    'fail',
    'high',
    'Supply Chain',
    'image sample-web:1.4.2 has no verifiable signature',
  ),
  check(
    'require-resource-limits',
    'memory-limits',
    'fail',
    'medium',
    'Best Practices',
    'container sidecar has no memory limit',
  ),
  check(
    'disallow-latest-tag',
    'pinned-tags',
    'warn',
    'low',
    'Best Practices',
    'init container uses a floating tag',
  ),
  check(
    'require-probes',
    'readiness-probe',
    'pass',
    'low',
    'Best Practices',
    'all containers define a readiness probe',
  ),
  check(
    'restrict-host-path',
    'no-host-path',
    'pass',
    'high',
    'Pod Security',
    'no hostPath volumes are mounted',
  ),
];

/** A wgpolicyk8s.io/v1alpha2 PolicyReport about the sample workload. */
export function toPolicyReport(createdMs: number): Buffer {
  const created = new Date(Math.floor(createdMs / 1000) * 1000);
  const seconds = created.getTime() / 1000;
  const report = {
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: {
      name: `${SAMPLE_WORKLOAD}-policy-report`,
      namespace: SAMPLE_NAMESPACE,
      creationTimestamp: created.toISOString().replace('.000Z', 'Z'),
      labels: { [SAMPLE_LABEL]: 'true' },
    },
    scope: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: SAMPLE_WORKLOAD,
      namespace: SAMPLE_NAMESPACE,
    },
    summary: toSummary(CHECKS),
    results: CHECKS.map((c) => ({
      ...c,
      source: 'disclosure-packager-sample',
      scored: true,
      timestamp: { seconds, nanos: 0 },
    })),
  };
  return Buffer.from(stringify(report), 'utf8');
}

function toSummary(checks: readonly Check[]) {
  const count = (result: Outcome) =>
    checks.filter((c) => c.result === result).length;
  return {
    pass: count('pass'),
    fail: count('fail'),
    warn: count('warn'),
    error: 0,
    skip: 0,
  };
}

function check(
  policy: string,
  rule: string,
  result: Outcome,
  severity: Check['severity'],
  category: string,
  message: string,
): Check {
  return { policy, rule, result, severity, category, message };
}
