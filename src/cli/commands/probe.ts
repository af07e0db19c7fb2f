import { Command } from 'commander';
import { probeIsolation, type ProbeCheck } from '../../probe/index.js';
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
  return probe;
}

function toLine(check: ProbeCheck): string {
  const verdict = check.leak ? `LEAK: ${check.leak}` : 'ok';
  return `${check.operation}\t${check.caller}\t${check.status}\t${verdict}\n`;
}
