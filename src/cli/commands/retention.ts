import { Command } from 'commander';
import { RetentionSweeper } from '../../jobs/index.js';
import { withRuntime } from '../context.js';
import type { CliIo } from '../io.js';

/**
 * `retention run`: one retention sweep now, as the worker runs every
 * DP_RETENTION_INTERVAL_SECONDS (docs/storage.md#retention).
 */
export function retentionCommand(io: CliIo): Command {
  const retention = new Command('retention').description(
    "delete bundles past their tenant's retention period",
  );
  retention
    .command('run')
    .description('delete expired bundles now and mark their jobs expired')
    .option('--data-dir <dir>', 'data directory')
    .action(async (opts: { dataDir?: string }) => {
      const result = await withRuntime(opts, (rt) =>
        new RetentionSweeper(rt, rt.retention).run(),
      );
      io.out(
        `${result.expired} bundles expired` +
          (result.failed > 0
            ? `, ${result.failed} could not be deleted (tried again next run)`
            : '') +
          '\n',
      );
    });
  return retention;
}
