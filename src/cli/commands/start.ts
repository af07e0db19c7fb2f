import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../../config/index.js';
import {
  createLogger,
  tracingFromConfig,
  type Logger,
  type Tracing,
} from '../../telemetry/index.js';
import type { CliIo } from '../io.js';
import { PACKAGE_VERSION, startServer } from '../serve.js';

/** `start`: the API, the in-process worker and the demo tenants. */
export function startCommand(io: CliIo): Command {
  return new Command('start')
    .description('serve the API with an in-process worker (embedded default)')
    .addOption(new Option('--port <port>', 'port to listen on').env('DP_PORT'))
    .addOption(new Option('--host <host>', 'address to bind').env('DP_HOST'))
    .option('--data-dir <dir>', 'data directory (default ./.data)')
    .option(
      '--no-worker',
      'serve the API only; `worker` processes run the exports (PostgreSQL)',
    )
    .action(
      async (opts: {
        port?: string;
        host?: string;
        dataDir?: string;
        worker: boolean;
      }) => {
        const config = loadConfig({
          ...(opts.port ? { port: Number(opts.port) } : {}),
          ...(opts.host ? { host: opts.host } : {}),
          ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        });
        const logger = createLogger({
          level: config.logLevel,
          format: config.logFormat,
        });
        const tracing = startTracingFor(config, logger);
        const server = await startServer(config, logger, {
          worker: opts.worker,
        });
        io.out(`Disclosure Packager is listening on ${server.url}\n`);
        io.out(`Web UI: ${server.url}/ui/\n`);
        if (server.demoTokensPath) {
          io.out(
            `Demo API tokens (tenants acme, globex): ${server.demoTokensPath}\n`,
          );
        }
        await waitForSignal();
        await server.close();
        await tracing.shutdown();
      },
    );
}

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
}

/** Traces to OTEL_EXPORTER_OTLP_ENDPOINT when it is set; else none. */
export function startTracingFor(config: Config, logger: Logger): Tracing {
  return tracingFromConfig(config.telemetry, PACKAGE_VERSION, (endpoint) =>
    logger.info(
      { event: 'tracing.started', endpoint },
      'sending traces over OTLP',
    ),
  );
}
