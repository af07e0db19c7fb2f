import { createServer } from 'node:http';
import { answerClientError } from '../api/clienterror.js';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type PgBoss from 'pg-boss';
import {
  checkReadiness,
  createApp,
  type ReadinessName,
  type ReadinessProbe,
  type TenantScopes,
} from '../api/index.js';
import {
  LinkSigner,
  OidcVerifier,
  loadOrCreateLinkSecret,
} from '../auth/index.js';
import type { ApiToken, Config } from '../config/index.js';
import { PackagerError } from '../domain/index.js';
import { DEMO_TENANTS, seedDemoTenants } from '../evidence/index.js';
import { AuditTrail } from '../audit/index.js';
import {
  grantQueueToAppRole,
  openAppLogin,
  tenantScopedDatabase,
  type Database,
} from '../db/index.js';
import {
  EXPORT_QUEUE,
  ExportWorker,
  type JobEvents,
  JobService,
  RetentionSweeper,
  queueSchemaOf,
  startQueue,
} from '../jobs/index.js';
import { EvidenceStore } from '../evidence/index.js';
import { flagsFromConfig } from '../flags/index.js';
import { SettingsStore } from '../settings/index.js';
import { LocalObjectStore } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { openRuntime, type Runtime } from './runtime.js';

export { PACKAGE_VERSION } from './runtime.js';
import { startWebhooks, type Webhooks } from './webhooks.js';
import { demoTokensFile, loadOrCreateDemoTokens } from './tokens.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run build` puts the web UI. */
export const WEB_ROOT = path.join(PACKAGE_ROOT, 'dist', 'web');

export interface Server {
  url: string;
  runtime: Runtime;
  jobs: JobService;
  tokens: ApiToken[];
  /** The in-process worker, unless started without one. */
  worker: ExportWorker | undefined;
  /** The retention sweeper, which runs beside the worker. */
  retention: RetentionSweeper | undefined;
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
  options: { now?: () => Date; worker?: boolean; webRoot?: string } = {},
): Promise<Server> {
  const withWorker = options.worker ?? true;
  if (!withWorker && !config.databaseUrl) {
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      'the embedded database belongs to one process, so an API without ' +
        'its worker would never run an export; set DATABASE_URL to a ' +
        'PostgreSQL server shared with `disclosure-packager worker`',
    );
  }
  if (config.databaseAppUrl && !config.databaseUrl) {
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      'DATABASE_APP_URL is the login of the application on the PostgreSQL ' +
        'server that DATABASE_URL names; set DATABASE_URL too',
    );
  }
  const flags = flagsFromConfig(config);
  const runtime = await openRuntime(config, logger);
  let boss: PgBoss | undefined;
  let worker: ExportWorker | undefined;
  let appLogin: Database | undefined;
  let retention: RetentionSweeper | undefined;
  let webhooks: Webhooks | undefined;
  try {
    const tokens = await prepareTenants(
      runtime,
      options.now ?? (() => new Date()),
    );
    const tenants = await runtime.store.listTenants();
    runtime.metrics.knowTenants(tenants.map((t) => t.id));
    boss = await startQueue(runtime.db, (error) =>
      logger.error({ event: 'worker.error', err: error }, 'queue error'),
    );
    const jobs = new JobService(runtime.db, boss, config.jobs, runtime.metrics);
    if (runtime.db.kind === 'pglite') await recoverEmbedded(runtime, jobs);
    const linkSecret = await loadOrCreateLinkSecret(
      config.dataDir,
      config.security.linkSecret,
    );
    let baseUrl = config.publicUrl ?? '';
    webhooks = await startWebhooks(runtime, boss, {
      send: withWorker,
      linkSecret,
      publicUrl: () => baseUrl,
    });
    if (withWorker) {
      const started = new ExportWorker(
        workerDeps(runtime, boss, webhooks.emitter),
        { ...config.jobs, concurrency: config.workerConcurrency },
      );
      await started.start();
      jobs.onEnqueued = () => started.wake();
      worker = started;
      retention = startRetention(runtime);
    }
    const links = new LinkSigner(linkSecret, config.security.linkTtlSeconds);
    await grantQueueToAppRole(runtime.db, queueSchemaOf(runtime.db));
    appLogin = config.databaseAppUrl
      ? await openAppLogin(config.databaseAppUrl, runtime.db.schema)
      : undefined;
    if (!appLogin && runtime.db.kind === 'postgres') {
      logger.warn(
        { event: 'security.shared-login' },
        'tenant-scoped requests use the owner login under SET ROLE dp_app; ' +
          'set DATABASE_APP_URL to a login of their own (docs/security.md)',
      );
    }
    const app = createApp({
      ...runtime,
      config: {
        apiTokens: tokens,
        security: config.security,
        ingestMaxBytes: config.ingestMaxBytes,
        maxWindowDays: config.jobs.maxWindowDays,
        ingestStreamFromBytes: config.ingestStreamFromBytes,
        operatorTokens: config.operatorTokens,
      },
      scopes: tenantScopes(
        appLogin ?? runtime.db,
        runtime,
        boss,
        jobs,
        webhooks,
      ),
      links,
      oidc: config.oidc ? new OidcVerifier(config.oidc) : undefined,
      flags,
      webRoot: options.webRoot ?? WEB_ROOT,
      downloads:
        config.storage.kind === 's3' ? config.storage.s3.downloads : 'proxy',
      readiness: readinessProbes(runtime, boss),
    });
    const http = app.listen(config.port, config.host);
    http.on('clientError', answerClientError);
    await new Promise<void>((resolve, reject) => {
      http.once('listening', resolve).once('error', (error) => {
        reject(toListenError(error, config));
      });
    });
    const { port } = http.address() as AddressInfo;
    const url = `http://${config.host}:${port}`;
    baseUrl ||= url;
    logger.info({ event: 'server.started', url }, 'listening');
    const queue = boss;
    const ownLogin = appLogin;
    const hooks = webhooks;
    return {
      url,
      runtime,
      jobs,
      tokens,
      demoTokensPath:
        config.apiTokens.length === 0 && config.seedDemo
          ? demoTokensFile(config.dataDir)
          : null,
      worker,
      retention,
      close: async () => {
        logger.info({ event: 'server.stopping' }, 'stopping');
        // New connections are refused at once; answers in flight get a
        // few seconds, then every connection is cut, a stalled upload too.
        const closed = new Promise<void>((resolve) =>
          http.close(() => resolve()),
        );
        http.closeIdleConnections();
        const cut = setTimeout(
          () => http.closeAllConnections(),
          CLOSE_GRACE_MS,
        );
        await closed;
        clearTimeout(cut);
        await retention?.stop();
        await worker?.stop();
        await hooks.stop();
        await queue.stop({ graceful: false, wait: true });
        await ownLogin?.close();
        await runtime.close();
        logger.info({ event: 'server.stopped' }, 'stopped');
      },
    };
  } catch (error) {
    await retention?.stop().catch(() => undefined);
    await worker?.stop(0).catch(() => undefined);
    await webhooks?.stop().catch(() => undefined);
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await appLogin?.close().catch(() => undefined);
    await runtime.close();
    throw error;
  }
}

/** How long answers in flight may take once the server is stopping. */
const CLOSE_GRACE_MS = 5_000;

export interface WorkerProcess {
  worker: ExportWorker;
  /** Where /metrics is served, when DP_METRICS_PORT asked for it. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/**
 * Workers only, for scaling out: no API, no demo seeding. Needs the
 * PostgreSQL server the API uses; the embedded database has one owner.
 */
export async function startWorkerProcess(
  config: Config,
  logger: Logger,
): Promise<WorkerProcess> {
  if (!config.databaseUrl) {
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      'the worker command needs DATABASE_URL (the PostgreSQL server the ' +
        'API uses); with the embedded database, `start` runs the worker',
    );
  }
  const runtime = await openRuntime(config, logger);
  let boss: PgBoss | undefined;
  try {
    boss = await startQueue(runtime.db, (error) =>
      logger.error({ event: 'worker.error', err: error }, 'queue error'),
    );
    // Links in webhook events must verify on the API: scaled out, every
    // process needs the same DP_LINK_SECRET (docs/webhooks.md).
    const webhooks = await startWebhooks(runtime, boss, {
      send: true,
      linkSecret: await loadOrCreateLinkSecret(
        config.dataDir,
        config.security.linkSecret,
      ),
      publicUrl: () =>
        config.publicUrl ?? `http://${config.host}:${config.port}`,
    });
    const worker = new ExportWorker(
      workerDeps(runtime, boss, webhooks.emitter),
      { ...config.jobs, concurrency: config.workerConcurrency },
    );
    await worker.start();
    const retention = startRetention(runtime);
    const queue = boss;
    const metrics =
      config.metricsPort === undefined
        ? null
        : await serveMetrics(
            runtime,
            readinessProbes(runtime, boss),
            config.host,
            config.metricsPort,
          );
    return {
      worker,
      metricsUrl: metrics?.url ?? null,
      close: async () => {
        await metrics?.close();
        await retention.stop();
        await worker.stop();
        await webhooks.stop();
        await queue.stop({ graceful: false, wait: true });
        await runtime.close();
      },
    };
  } catch (error) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await runtime.close();
    throw error;
  }
}

function workerDeps(runtime: Runtime, boss: PgBoss, events: JobEvents) {
  return {
    ...runtime,
    boss,
    events,
    provenance: runtime.provenanceStores.shared,
  };
}

/** The retention sweep, now and every DP_RETENTION_INTERVAL_SECONDS. */
function startRetention(runtime: Runtime): RetentionSweeper {
  const sweeper = new RetentionSweeper(runtime, runtime.retention);
  sweeper.start(runtime.config.storage.retentionIntervalSeconds * 1000);
  return sweeper;
}

function toListenError(
  error: Error,
  config: { host: string; port: number },
): Error {
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
 * A worker's own /metrics (and /healthz, /readyz) for Prometheus to scrape: its
 * attempts, retries, durations and reaped jobs are counted where they
 * happen, not in the API process.
 */
async function serveMetrics(
  runtime: Runtime,
  readiness: Record<ReadinessName, ReadinessProbe>,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const { metrics } = runtime;
  const { registry } = metrics;
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      metrics.scrape().then(
        (text) =>
          res
            .writeHead(200, { 'Content-Type': registry.contentType })
            .end(text),
        () => res.writeHead(500).end(),
      );
    } else if (path === '/healthz') {
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end('{"status":"ok"}');
    } else if (path === '/readyz') {
      void checkReadiness(readiness).then((checks) => {
        const ready = checks.every((c) => c.status === 'ok');
        res
          .writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({ status: ready ? 'ready' : 'not-ready', checks }),
          );
      });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(toListenError(error, { host, port })),
    );
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  runtime.logger.info(
    { event: 'server.started', url: `http://${host}:${bound}/metrics` },
    'worker metrics listening',
  );
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * What /readyz checks: a round trip to the database, a look-up in the
 * object store (of a key that need not exist), and the queue's table.
 */
export function readinessProbes(
  runtime: Pick<Runtime, 'db' | 'objects'>,
  boss: PgBoss,
): Record<ReadinessName, ReadinessProbe> {
  return {
    database: () => runtime.db.query('SELECT 1'),
    storage: () => runtime.objects.head('readyz/probe'),
    queue: () => boss.getQueueSize(EXPORT_QUEUE),
  };
}

/**
 * The embedded database belongs to this process alone (its data directory
 * is locked), so whatever a previous process left mid-way is known dead:
 * its running jobs go back to the queue and its half-written files go.
 */
async function recoverEmbedded(runtime: Runtime, jobs: JobService) {
  const requeued = await jobs.recoverInterrupted();
  // No attempt is alive yet: every staged ZIP is a dead attempt's.
  const staged = await runtime.objects.list('staging');
  await runtime.objects.deletePrefix('staging');
  const swept =
    staged.length +
    (runtime.objects instanceof LocalObjectStore
      ? await runtime.objects.sweepTemporary('bundles')
      : 0);
  if (requeued > 0 || swept > 0) {
    runtime.logger.warn(
      { event: 'jobs.recovered', requeued, swept },
      'recovered exports interrupted by the previous process',
    );
  }
}

/**
 * The API's view of the database for one tenant: a job service and an
 * audit trail on a tenant-scoped connection (row-level security), opened
 * on the application's own login when DATABASE_APP_URL names one. They
 * share the queue and the worker's wake-up call with the process's own
 * service; the worker and reaper keep the owner's connection, as their
 * work spans every tenant.
 */
function tenantScopes(
  login: Database,
  runtime: Runtime,
  boss: PgBoss,
  shared: JobService,
  webhooks: Webhooks,
): TenantScopes {
  return (tenantId) => {
    const db = tenantScopedDatabase(login, tenantId);
    const jobs = new JobService(db, boss, runtime.config.jobs, runtime.metrics);
    jobs.onEnqueued = () => shared.onEnqueued();
    const evidence = new EvidenceStore(db);
    return {
      jobs,
      audit: new AuditTrail(evidence),
      evidence,
      settings: new SettingsStore(db),
      provenance: runtime.provenanceStores.forTenant(tenantId),
      webhooks: webhooks.serviceFor(db, tenantId),
    };
  };
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
