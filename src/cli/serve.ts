import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type PgBoss from 'pg-boss';
import { createApp } from '../api/index.js';
import type { ApiToken, Config } from '../config/index.js';
import { PackagerError } from '../domain/index.js';
import { DEMO_TENANTS, seedDemoTenants } from '../evidence/index.js';
import { JobService, startQueue, startWorker } from '../jobs/index.js';
import { LocalObjectStore } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { openRuntime, type Runtime } from './runtime.js';
import { demoTokensFile, loadOrCreateDemoTokens } from './tokens.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Server {
  url: string;
  runtime: Runtime;
  jobs: JobService;
  tokens: ApiToken[];
  /** The file holding the demo tokens, when demo tokens are in use. */
  demoTokensPath: string | null;
  close(): Promise<void>;
}

/**
 * The embedded default in one process: the API, the queue and a worker,
 * with the demo tenants seeded into an empty store.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: { now?: () => Date } = {},
): Promise<Server> {
  const runtime = await openRuntime(config, logger);
  let boss: PgBoss | undefined;
  try {
    const tokens = await prepareTenants(
      runtime,
      options.now ?? (() => new Date()),
    );
    boss = await startQueue(runtime.db, (error) =>
      logger.error({ event: 'worker.error', err: error }, 'queue error'),
    );
    const jobs = new JobService(runtime.db, boss);
    if (runtime.db.kind === 'pglite') await recoverEmbedded(runtime, jobs);
    jobs.onEnqueued = await startWorker(
      { ...runtime, boss },
      config.workerConcurrency,
    );
    const app = createApp({ ...runtime, config: { apiTokens: tokens }, jobs });
    const http = app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      http.once('listening', resolve).once('error', (error) => {
        reject(toListenError(error, config));
      });
    });
    const { port } = http.address() as AddressInfo;
    const url = `http://${config.host}:${port}`;
    logger.info({ event: 'server.started', url }, 'listening');
    const queue = boss;
    return {
      url,
      runtime,
      jobs,
      tokens,
      demoTokensPath:
        config.apiTokens.length === 0 && config.seedDemo
          ? demoTokensFile(config.dataDir)
          : null,
      close: async () => {
        await new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeAllConnections();
        await queue.stop({ graceful: true, timeout: 30_000, wait: true });
        await runtime.close();
        logger.info({ event: 'server.stopped' }, 'stopped');
      },
    };
  } catch (error) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await runtime.close();
    throw error;
  }
}

function toListenError(error: Error, config: Config): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return error;
  return new PackagerError(
    'DP_CONFIG_INVALID',
    `cannot listen on ${config.host}:${config.port} ` +
      `(${code === 'EADDRINUSE' ? 'already in use' : 'not permitted'}); ` +
      'choose another with DP_PORT or --port',
    { cause: error },
  );
}

/**
 * The embedded database belongs to this process alone (its data directory
 * is locked), so whatever a previous process left mid-way is known dead:
 * its running jobs go back to the queue and its half-written files go.
 */
async function recoverEmbedded(runtime: Runtime, jobs: JobService) {
  const requeued = await jobs.recoverInterrupted();
  const swept =
    runtime.objects instanceof LocalObjectStore
      ? await runtime.objects.sweepTemporary('bundles')
      : 0;
  if (requeued > 0 || swept > 0) {
    runtime.logger.warn(
      { event: 'jobs.recovered', requeued, swept },
      'recovered exports interrupted by the previous process',
    );
  }
}

/** Seeds the demo tenants when asked to, and settles the API tokens. */
async function prepareTenants(
  runtime: Runtime,
  now: () => Date,
): Promise<ApiToken[]> {
  const { config, logger } = runtime;
  if (config.seedDemo) {
    const seed = await seedDemoTenants({
      store: runtime.store,
      objects: runtime.objects,
      packageRoot: PACKAGE_ROOT,
      now: now(),
    });
    if (seed.seeded) {
      logger.info(
        { event: 'seed.completed', tenants: DEMO_TENANTS.map((t) => t.id) },
        'seeded the demo tenants with sample evidence',
      );
    }
  }
  if (config.apiTokens.length > 0) return config.apiTokens;
  if (!config.seedDemo) {
    logger.warn(
      { event: 'server.started' },
      'no API tokens are configured (DP_API_TOKENS); every call will be refused',
    );
    return [];
  }
  return loadOrCreateDemoTokens(config.dataDir, DEMO_TENANTS);
}
