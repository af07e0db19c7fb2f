import { Command, Option } from 'commander';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../telemetry/index.js';
import type { CliIo } from '../io.js';
import { startWorkerProcess } from '../serve.js';
import { startTracingFor, waitForSignal } from './start.js';

/** `worker`: export workers only, sharing the API's PostgreSQL. */
export function workerCommand(io: CliIo): Command {
  return new Command('worker')
    .description('run export workers only (needs DATABASE_URL)')
    .addOption(
      new Option('--concurrency <n>', 'exports run at once').env(
        'DP_WORKER_CONCURRENCY',
      ),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve /metrics for Prometheus on this port',
      ).env('DP_METRICS_PORT'),
    )
    .option('--data-dir <dir>', 'data directory (default ./.data)')
    .action(
      async (opts: {
        concurrency?: string;
        metricsPort?: string;
        dataDir?: string;
      }) => {
        const config = loadConfig({
          ...(opts.concurrency
            ? { workerConcurrency: Number(opts.concurrency) }
            : {}),
          ...(opts.metricsPort
            ? { metricsPort: Number(opts.metricsPort) }
            : {}),
          ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        });
        const logger = createLogger({
          level: config.logLevel,
          format: config.logFormat,
        });
        const tracing = startTracingFor(config, logger);
        const worker = await startWorkerProcess(config, logger);
        io.out(
          `Disclosure Packager worker ${worker.worker.owner} is running ` +
            `${config.workerConcurrency} exports at a time\n`,
        );
        if (worker.metricsUrl) io.out(`Metrics: ${worker.metricsUrl}\n`);
        await waitForSignal();
        io.out('stopping: running exports get the grace period to finish\n');
        await worker.close();
        await tracing.shutdown();
      },
    );
}
