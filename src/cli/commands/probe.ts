import { Command } from 'commander';
import {
  ARTIFACT_KINDS,
  PackagerError,
  isArtifactKind,
  type ArtifactKind,
} from '../../domain/index.js';
import {
  PROBE_PHASES,
  probeExport,
  probeIsolation,
  writeTextfile,
  type ExportProbeResult,
  type ProbeCheck,
} from '../../probe/index.js';
import { EXIT, type CliIo } from '../io.js';

interface ProbeFlags {
  url: string;
  tenantA: string;
  tokenA: string;
  tenantB: string;
  tokenB: string;
  viewerToken?: string;
}

/**
 * `probe isolation`: calls every secured route of a running instance as
 * a stranger, as another tenant and as a viewer, and exits non-zero on
 * any answer that leaks (docs/security.md).
 */
export function probeCommand(
  io: CliIo,
  setCode: (code: number) => void,
): Command {
  const probe = new Command('probe').description(
    'check a running instance from outside',
  );
  probe
    .command('isolation')
    .description(
      "check that no route gives one canary tenant's data to another, " +
        'to a caller without credentials, or exports for a viewer',
    )
    .requiredOption('--url <url>', 'base URL of the API')
    .requiredOption('--tenant-a <id>', 'canary tenant A (gets one export)')
    .requiredOption('--token-a <token>', 'an exporter token of tenant A')
    .requiredOption('--tenant-b <id>', 'canary tenant B')
    .requiredOption('--token-b <token>', 'a token of tenant B')
    .option('--viewer-token <token>', 'a viewer-only token of tenant A')
    .action(async (flags: ProbeFlags) => {
      const checks = await probeIsolation({
        url: flags.url,
        owner: { tenantId: flags.tenantA, token: flags.tokenA },
        other: { tenantId: flags.tenantB, token: flags.tokenB },
        viewerToken: flags.viewerToken,
      });
      io.out(checks.map(toLine).join(''));
      const leaks = checks.filter((c) => c.leak !== null).length;
      io.out(
        `${checks.length} checks, ${leaks} leaks` +
          (flags.viewerToken ? '' : ' (no --viewer-token: roles not probed)') +
          '\n',
      );
      if (leaks > 0) setCode(EXIT.failed);
    });
  probe.addCommand(exportProbeCommand(io, setCode));
  return probe;
}

interface ExportFlags {
  url: string;
  token: string;
  tenant?: string;
  kinds: string;
  windowDays: string;
  timeout: string;
  textfile?: string;
}

/**
 * `probe export`: one small export end to end, as a customer runs it,
 * timed by phase; exits non-zero when any phase fails.
 */
function exportProbeCommand(
  io: CliIo,
  setCode: (code: number) => void,
): Command {
  return new Command('export')
    .description(
      'submit a small export for a canary tenant, wait for it, download ' +
        'and verify its bundle, and print the time each phase took',
    )
    .requiredOption('--url <url>', 'base URL of the API')
    .requiredOption('--token <token>', 'an exporter token of the canary tenant')
    .option('--tenant <id>', "the canary tenant (default: the token's)")
    .option('--kinds <list>', 'artifact kinds, comma-separated', 'audit-events')
    .option('--window-days <n>', 'export the last N days', '1')
    .option('--timeout <seconds>', 'give up after this long', '300')
    .option(
      '--textfile <file>',
      "write the result for node_exporter's textfile collector (.prom)",
    )
    .action(async (flags: ExportFlags) => {
      const result = await probeExport({
        url: toUrl(flags.url),
        token: flags.token,
        tenantId: flags.tenant,
        kinds: toKinds(flags.kinds),
        windowDays: toNumber('--window-days', flags.windowDays, 1, 36_600),
        timeoutMs: toNumber('--timeout', flags.timeout, 1, 86_400) * 1000,
      });
      io.out(toReport(result));
      if (flags.textfile) await writeTextfile(flags.textfile, result);
      if (!result.ok) setCode(EXIT.failed);
    });
}

function toReport(result: ExportProbeResult): string {
  const lines = PROBE_PHASES.filter((p) => p in result.phases).map(
    (phase) => `${phase}\t${(result.phases[phase] ?? 0).toFixed(3)} s\n`,
  );
  const total = `total\t${result.totalSeconds.toFixed(3)} s\n`;
  const verdict = result.failure
    ? `export probe FAILED in ${result.failure.phase}: ${result.failure.message}\n`
    : `export probe passed: job ${result.jobId ?? ''}, ` +
      `${result.bundleBytes ?? 0} bytes, verified\n`;
  return lines.join('') + total + verdict;
}

function toUrl(value: string): string {
  try {
    return new URL(value).toString();
  } catch (cause) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `--url ${value} is not a URL`,
      {
        cause,
      },
    );
  }
}

function toKinds(value: string): ArtifactKind[] {
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !isArtifactKind(k));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new PackagerError(
      'DP_ARTIFACT_UNKNOWN',
      `--kinds: unknown ${unknown.join(', ') || '(none given)'}; choose ` +
        `from ${ARTIFACT_KINDS.join(', ')}`,
    );
  }
  return kinds as ArtifactKind[];
}

function toNumber(flag: string, value: string, min: number, max: number) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `${flag} must be a number from ${min} to ${max}`,
    );
  }
  return n;
}

function toLine(check: ProbeCheck): string {
  const verdict = check.leak ? `LEAK: ${check.leak}` : 'ok';
  return `${check.operation}\t${check.caller}\t${check.status}\t${verdict}\n`;
}
