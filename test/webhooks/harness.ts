import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { AuditTrail } from '../../src/audit/index.js';
import { LinkSigner } from '../../src/auth/index.js';
import { loadConfig, type WebhookSettings } from '../../src/config/index.js';
import {
  grantQueueToAppRole,
  tenantScopedDatabase,
  type Database,
} from '../../src/db/index.js';
import { EvidenceStore } from '../../src/evidence/index.js';
import { queueSchemaOf, startQueue } from '../../src/jobs/index.js';
import {
  Metrics,
  createLogger,
  silentLogger,
} from '../../src/telemetry/index.js';
import {
  WebhookDispatcher,
  WebhookEmitter,
  WebhookService,
  createDeliveryQueue,
  type ExportEvent,
  type WebhookDelivery,
  type WebhookEventType,
} from '../../src/webhooks/index.js';
import { disposeTestDatabase, openTestDatabase } from '../support/db.js';

/** Quick settings for tests: retries within a second, short timeouts. */
export function fastWebhookSettings(
  overrides: Partial<WebhookSettings> = {},
): WebhookSettings {
  return {
    ...loadConfig({}, {}).webhooks,
    retrySchedule: '100ms,150ms,200ms',
    timeoutSeconds: 1,
    endpointConcurrency: 2,
    concurrency: 4,
    ...overrides,
  };
}

/** The allow-list the tests need: the receiver listens on loopback. */
export const LOOPBACK_ALLOWED = { allowList: ['127.0.0.1'] };

/**
 * The webhook system on a migrated database with tenants acme and
 * globex: the queue, an emitter, a running dispatcher, and acme's
 * service on a tenant-scoped connection.
 */
export interface WebhookHarness {
  db: Database;
  boss: PgBoss;
  metrics: Metrics;
  emitter: WebhookEmitter;
  dispatcher: WebhookDispatcher;
  links: LinkSigner;
  service(tenantId?: string): WebhookService;
  /** Emits an event to the given endpoints, as a settled job would. */
  emit(endpointIds: string[], event?: ExportEvent): Promise<string>;
  /** Polls a delivery of an endpoint until it reaches a status. */
  settled(
    endpointId: string,
    messageId: string,
    statuses?: WebhookDelivery['status'][],
  ): Promise<WebhookDelivery>;
  counter(name: 'webhookDeliveries', outcome: string): Promise<number>;
  close(): Promise<void>;
}

export async function openWebhookHarness(
  backend: 'pglite' | 'postgres',
  settings: WebhookSettings = fastWebhookSettings(),
): Promise<WebhookHarness> {
  const db = await openTestDatabase(backend, 'hooks');
  await db.query(
    "INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')",
  );
  const boss = await startQueue(db, () => undefined);
  await createDeliveryQueue(boss);
  await grantQueueToAppRole(db, queueSchemaOf(db));
  const metrics = new Metrics({ defaults: false });
  const queue = { boss, db };
  const links = new LinkSigner(randomBytes(32), 3600);
  const dispatcher = new WebhookDispatcher(
    {
      queue,
      urlPolicy: LOOPBACK_ALLOWED,
      metrics,
      logger: process.env.DP_TEST_LOG
        ? createLogger({ level: 'debug', format: 'json' })
        : silentLogger(),
      audit: new AuditTrail(new EvidenceStore(db)),
    },
    settings,
  );
  await dispatcher.start();
  const emitter = new WebhookEmitter({
    queue,
    links,
    publicUrl: () => 'https://packager.example',
  });
  const service = (tenantId = 'acme') =>
    new WebhookService(
      tenantScopedDatabase(db, tenantId),
      tenantId,
      LOOPBACK_ALLOWED,
      queue,
      () => dispatcher.wake(),
    );
  return {
    db,
    boss,
    metrics,
    emitter,
    dispatcher,
    links,
    service,
    emit: async (endpointIds, event = anEvent()) => {
      const id = await db.transaction((tx) =>
        emitter.emit(
          tx,
          'acme',
          event,
          event.data.jobId,
          endpointIds.map((e) => ({ id: e })),
        ),
      );
      dispatcher.wake();
      return id;
    },
    settled: async (
      endpointId,
      messageId,
      statuses = ['delivered', 'failed'],
    ) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const all = await service().deliveries(endpointId, { limit: 200 });
        const found = all.find((d) => d.messageId === messageId);
        if (found && statuses.includes(found.status)) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `delivery of ${messageId} is ${found?.status ?? 'missing'}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    counter: async (name, outcome) => {
      const metric = await metrics[name].get();
      return (
        metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0
      );
    },
    close: async () => {
      await dispatcher.stop();
      await boss.stop({ graceful: false, wait: true });
      await disposeTestDatabase(db);
    },
  };
}

/** An export event as a settled job would give, for delivery tests. */
export function anEvent(
  type: WebhookEventType = 'disclosure.export.ready',
): ExportEvent {
  const jobId = '00000000-0000-4000-8000-0000000000aa';
  return {
    type,
    timestamp: new Date().toISOString(),
    data: {
      jobId,
      tenantId: 'acme',
      status: 'completed',
      window: {
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-02-01T00:00:00.000Z',
      },
      artifacts: ['sboms'],
      manifest: {
        kinds: {
          sboms: { status: 'included', expected: 2, exported: 2, retries: 0 },
        },
        counts: { sboms: 2 },
        warnings: [],
      },
      checksumIndex: { path: 'SHA512SUMS', sha512: 'a'.repeat(128) },
      bundle: {
        sha512: 'b'.repeat(128),
        size: 1234,
        keyId: 'sha256:' + 'c'.repeat(64),
        downloadUrl: `https://packager.example/jobs/${jobId}/bundle`,
        downloadUrlExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
      error: null,
      finishedAt: new Date().toISOString(),
      jobUrl: `https://packager.example/jobs/${jobId}`,
    },
  };
}
