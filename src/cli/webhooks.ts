import type PgBoss from 'pg-boss';
import { LinkSigner } from '../auth/index.js';
import type { Database } from '../db/index.js';
import {
  WebhookDispatcher,
  WebhookEmitter,
  WebhookService,
  createDeliveryQueue,
} from '../webhooks/index.js';
import type { Runtime } from './runtime.js';

/** The webhook parts of one process, wired from its runtime. */
export interface Webhooks {
  /** Turns final job statuses into events; the export worker's hook. */
  emitter: WebhookEmitter;
  /** Sends deliveries; absent in a process without workers. */
  dispatcher: WebhookDispatcher | undefined;
  /** One tenant's endpoints, on a tenant-scoped database. */
  serviceFor(db: Database, tenantId: string): WebhookService;
  stop(): Promise<void>;
}

/**
 * Creates the delivery queue and, when this process runs workers,
 * starts sending. `publicUrl` is read when an event is made, so that a
 * server listening on a port chosen at start can give its own address.
 */
export async function startWebhooks(
  runtime: Runtime,
  boss: PgBoss,
  options: {
    send: boolean;
    linkSecret: Buffer;
    publicUrl: () => string;
  },
): Promise<Webhooks> {
  const { config, db, metrics, logger, audit } = runtime;
  await createDeliveryQueue(boss);
  const queue = { boss, db };
  const urlPolicy = { allowList: config.security.urlAllowList };
  const links = new LinkSigner(
    options.linkSecret,
    config.webhooks.linkTtlSeconds,
  );
  const emitter = new WebhookEmitter({
    queue,
    links,
    publicUrl: options.publicUrl,
  });
  let dispatcher: WebhookDispatcher | undefined;
  if (options.send) {
    dispatcher = new WebhookDispatcher(
      { queue, urlPolicy, metrics, logger, audit },
      config.webhooks,
    );
    await dispatcher.start();
  }
  return {
    emitter,
    dispatcher,
    serviceFor: (scoped, tenantId) =>
      new WebhookService(scoped, tenantId, urlPolicy, queue, () =>
        dispatcher?.wake(),
      ),
    stop: async () => {
      await dispatcher?.stop();
    },
  };
}
