import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { PackagerError } from '../domain/index.js';
import { assertPublicUrl, type UrlPolicy } from '../net/index.js';
import { deliveryQueries, type DeliveryPage } from './deliveries.js';
import { endpointQueries, type EndpointChange } from './endpoints.js';
import { enqueueDelivery, type DeliveryQueue } from './queue.js';
import { newSecret } from './signature.js';
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEventType,
} from './types.js';

/** How many endpoints one tenant may have. */
export const MAX_ENDPOINTS_PER_TENANT = 20;

/** How long the secret before a rotation keeps signing beside the new. */
export const ROTATION_GRACE_MS = 24 * 3600 * 1000;

export interface NewEndpointRequest {
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  createdBy: string;
}

/**
 * One tenant's webhook endpoints and deliveries, for the API. Built on a
 * tenant-scoped database (row-level security), so another tenant's
 * endpoint is simply not found.
 */
export class WebhookService {
  constructor(
    private readonly db: Database,
    private readonly tenantId: string,
    private readonly urlPolicy: UrlPolicy,
    private readonly queue: Pick<DeliveryQueue, 'boss'>,
    /** Called once a replay is queued, to wake this process's senders. */
    private readonly onEnqueued: () => void = () => undefined,
  ) {}

  /** Creates an endpoint; answers it with its secret, shown only here. */
  async create(
    request: NewEndpointRequest,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.checkUrl(request.url);
    return this.db.transaction(async (tx) => {
      // Two creations at once must not both pass the count. A lock on
      // the tenant's row would need UPDATE on tenants, which the
      // tenant-scoped role need not hold.
      await tx.query(
        "SELECT pg_advisory_xact_lock(hashtextextended('dp.webhooks:' || $1, 0))",
        [this.tenantId],
      );
      if (
        (await endpointQueries.count(tx, this.tenantId)) >=
        MAX_ENDPOINTS_PER_TENANT
      ) {
        throw new PackagerError(
          'DP_WEBHOOK_LIMIT',
          `a tenant may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook ` +
            'endpoints; delete one first',
        );
      }
      const secret = newSecret();
      const endpoint = await endpointQueries.insert(tx, {
        id: randomUUID(),
        tenantId: this.tenantId,
        url: request.url,
        events: request.events,
        enabled: request.enabled,
        secret,
        createdBy: request.createdBy,
      });
      return { endpoint, secret };
    });
  }

  list(): Promise<WebhookEndpoint[]> {
    return endpointQueries.list(this.db, this.tenantId);
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const endpoint = await endpointQueries.find(this.db, this.tenantId, id);
    if (!endpoint) throw notFound();
    return endpoint;
  }

  async update(id: string, change: EndpointChange): Promise<WebhookEndpoint> {
    if (change.url !== undefined) await this.checkUrl(change.url);
    const endpoint = await endpointQueries.update(
      this.db,
      this.tenantId,
      id,
      change,
    );
    if (!endpoint) throw notFound();
    return endpoint;
  }

  async delete(id: string): Promise<void> {
    if (!(await endpointQueries.delete(this.db, this.tenantId, id))) {
      throw notFound();
    }
  }

  async rotateSecret(
    id: string,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newSecret();
    const endpoint = await endpointQueries.rotateSecret(
      this.db,
      this.tenantId,
      id,
      secret,
      ROTATION_GRACE_MS,
    );
    if (!endpoint) throw notFound();
    return { endpoint, secret };
  }

  async deliveries(
    endpointId: string,
    page: DeliveryPage,
  ): Promise<WebhookDelivery[]> {
    await this.get(endpointId);
    return deliveryQueries.list(this.db, this.tenantId, endpointId, page);
  }

  async delivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{
    delivery: WebhookDelivery & { body: string };
    attempts: WebhookAttempt[];
  }> {
    const delivery = await deliveryQueries.find(
      this.db,
      this.tenantId,
      endpointId,
      deliveryId,
    );
    if (!delivery) throw deliveryNotFound();
    const attempts = await deliveryQueries.attempts(this.db, deliveryId);
    return { delivery, attempts };
  }

  /**
   * Sends a failed delivery again, with the same webhook-id and body,
   * its retry schedule started afresh (docs/webhooks.md, Replay).
   */
  async replay(endpointId: string, deliveryId: string): Promise<void> {
    const endpoint = await this.get(endpointId);
    const { delivery } = await this.delivery(endpointId, deliveryId);
    if (!endpoint.enabled) {
      throw new PackagerError(
        'DP_WEBHOOK_DISABLED',
        'the endpoint is disabled; enable it (PATCH enabled: true) first',
      );
    }
    if (delivery.status !== 'failed') {
      throw notReplayable(delivery.status);
    }
    await this.db.transaction(async (tx) => {
      const replayed = await deliveryQueries.replay(
        tx,
        this.tenantId,
        endpointId,
        deliveryId,
      );
      if (!replayed) throw notReplayable('no longer failed');
      await enqueueDelivery({ boss: this.queue.boss, db: this.db }, tx, {
        deliveryId,
        tenantId: this.tenantId,
      });
    });
    this.onEnqueued();
  }

  private async checkUrl(url: string): Promise<void> {
    await assertPublicUrl(url, this.urlPolicy);
  }
}

function notFound(): PackagerError {
  return new PackagerError('DP_WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
}

function deliveryNotFound(): PackagerError {
  return new PackagerError(
    'DP_DELIVERY_NOT_FOUND',
    'no such delivery for this endpoint',
  );
}

function notReplayable(status: string): PackagerError {
  return new PackagerError(
    'DP_DELIVERY_NOT_REPLAYABLE',
    `only a failed delivery can be replayed; this one is ${status}`,
  );
}
