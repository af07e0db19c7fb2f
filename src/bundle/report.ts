import type { Check } from './checklist.js';
import type { VerifyReport } from './verify.js';

/** A short report for people: the verdict, the key, each check by name. */
export function formatReport(report: VerifyReport): string {
  const lines = [verdict(report), ...keyLines(report), 'Checks:'];
  for (const check of report.checks) lines.push(checkLine(check));
  if (report.problems.length > 0) lines.push('Problems:');
  for (const problem of report.problems) {
    const where = problem.path === undefined ? '' : ` ${problem.path}:`;
    lines.push(`  - [${problem.code}]${where} ${problem.message}`);
  }
  return `${lines.join('\n')}\n`;
}

const MARKS = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

function checkLine(check: Check): string {
  const detail = check.detail === '' ? '' : `  (${check.detail})`;
  return `  ${MARKS[check.status]} ${check.name}${detail}`;
}

function verdict(report: VerifyReport): string {
  if (report.ok) {
    return `VERIFIED: ${report.files} files, checksums and signatures hold.`;
  }
  const count = report.problems.length;
  return (
    `NOT VERIFIED (exit ${report.exitCode}): ` +
    `${count} problem${count === 1 ? '' : 's'} found.`
  );
}

function keyLines(report: VerifyReport): string[] {
  if (report.keyId === null) return [];
  if (report.keySource === 'given') {
    return [`Signing key: ${report.keyId} (the key you gave).`];
  }
  if (report.keySource === 'trusted') {
    return [`Signing key: ${report.keyId} (from the trusted keys file).`];
  }
  if (statusOf(report, 'key-trusted') === 'failed') {
    // Trusted keys were given and none of them signed: the bundled key
    // only served to check integrity, and the advice below would repeat
    // what the caller already did.
    return [
      `Signing key: ${report.keyId}, read from the bundle's own cosign.pub`,
      'because it is not one of the trusted keys: nothing in this bundle',
      'can be attributed to your provider.',
    ];
  }
  return [
    `Signing key: ${report.keyId}, read from the bundle's own cosign.pub.`,
    'A key inside the bundle proves integrity, not who signed it: compare',
    'this key id with the fingerprint your provider published, or verify',
    'again with --key or --trusted-keys from your provider.',
  ];
}

function statusOf(report: VerifyReport, name: Check['name']) {
  return report.checks.find((check) => check.name === name)?.status;
}
