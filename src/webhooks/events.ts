import { randomUUID } from 'node:crypto';
import type { LinkSigner } from '../auth/index.js';
import type { Queryable } from '../db/index.js';
import { jobQueries, type StoredJob } from '../jobs/index.js';
import { deliveryQueries } from './deliveries.js';
import { endpointQueries } from './endpoints.js';
import { enqueueDelivery, type DeliveryQueue } from './queue.js';
import { newMessageId } from './signature.js';
import type { WebhookEventType } from './types.js';

/** The event each final job status announces. */
const EVENT_OF = {
  completed: 'disclosure.export.ready',
  partial: 'disclosure.export.partial',
  failed: 'disclosure.export.failed',
} as const satisfies Record<string, WebhookEventType>;

type SettledJob = StoredJob & { status: keyof typeof EVENT_OF };

function isSettled(job: StoredJob): job is SettledJob {
  return Object.hasOwn(EVENT_OF, job.status);
}

/** The body of every event, per Standard Webhooks: type, time, data. */
export interface ExportEvent {
  type: WebhookEventType;
  timestamp: string;
  data: ExportEventData;
}

export interface ExportEventData {
  jobId: string;
  tenantId: string;
  status: 'completed' | 'partial' | 'failed';
  window: { from: string; to: string };
  artifacts: string[];
  manifest: {
    kinds: StoredJob['kinds'];
    counts: StoredJob['counts'];
    warnings: string[];
  };
  checksumIndex: { path: 'SHA512SUMS'; sha512: string } | null;
  bundle: {
    sha512: string;
    size: number;
    keyId: string;
    downloadUrl: string;
    downloadUrlExpiresAt: string;
  } | null;
  error: { code: string; message: string } | null;
  finishedAt: string | null;
  /** The job on the API, for a fresh download link with a token. */
  jobUrl: string;
}

export interface EmitterDeps {
  queue: DeliveryQueue;
  /** Signs download links; its TTL is DP_WEBHOOK_LINK_TTL_SECONDS. */
  links: Pick<LinkSigner, 'sign' | 'ttlSeconds'>;
  /** Where the API is reached from outside, for absolute links. */
  publicUrl: () => string;
  now?: () => Date;
}

/**
 * Turns jobs reaching a final status into webhook events. It is called
 * inside the transaction that writes the final status, and stores the
 * event, one delivery per subscribed endpoint and their queue messages
 * in that same transaction: an event is never lost, nor sent for a
 * status that was rolled back.
 */
export class WebhookEmitter {
  constructor(private readonly deps: EmitterDeps) {}

  /** The JobEvents hook of the export worker. */
  async jobSettled(tx: Queryable, tenantId: string, jobId: string) {
    const job = await jobQueries.findForTenant(tx, tenantId, jobId);
    if (!job || !isSettled(job)) return;
    const type = EVENT_OF[job.status];
    const endpoints = await endpointQueries.subscribers(tx, tenantId, type);
    if (endpoints.length === 0) return;
    const event = this.toEvent(job, type);
    await this.emit(tx, tenantId, event, job.id, endpoints);
  }

  /** Stores one event and queues its delivery to each endpoint. */
  async emit(
    tx: Queryable,
    tenantId: string,
    event: ExportEvent,
    jobId: string | null,
    endpoints: readonly { id: string }[],
  ): Promise<string> {
    const messageId = newMessageId();
    await deliveryQueries.insertMessage(tx, {
      id: messageId,
      tenantId,
      type: event.type,
      jobId,
      // Stored as sent: every attempt and replay sends these bytes.
      body: JSON.stringify(event),
    });
    for (const endpoint of endpoints) {
      const deliveryId = randomUUID();
      await deliveryQueries.insert(tx, {
        id: deliveryId,
        tenantId,
        endpointId: endpoint.id,
        messageId,
      });
      await enqueueDelivery(this.deps.queue, tx, { deliveryId, tenantId });
    }
    return messageId;
  }

  /** The event of a job that just reached a final status. */
  toEvent(job: SettledJob, type: WebhookEventType): ExportEvent {
    const now = this.deps.now?.() ?? new Date();
    const base = this.deps.publicUrl().replace(/\/+$/, '');
    const { bundle } = job;
    const expires = new Date(
      (Math.floor(now.getTime() / 1000) + this.deps.links.ttlSeconds) * 1000,
    );
    return {
      type,
      timestamp: now.toISOString(),
      data: {
        jobId: job.id,
        tenantId: job.tenantId,
        status: job.status,
        window: {
          from: job.windowFrom.toISOString(),
          to: job.windowTo.toISOString(),
        },
        artifacts: [...job.artifacts],
        manifest: {
          kinds: job.kinds,
          counts: job.counts,
          warnings: job.warnings,
        },
        checksumIndex: bundle
          ? { path: 'SHA512SUMS', sha512: bundle.indexSha512 }
          : null,
        bundle: bundle
          ? {
              sha512: bundle.sha512,
              size: bundle.size,
              keyId: bundle.keyId,
              downloadUrl:
                base +
                this.deps.links.sign(
                  { jobId: job.id, tenantId: job.tenantId, file: 'bundle' },
                  now,
                ),
              downloadUrlExpiresAt: expires.toISOString(),
            }
          : null,
        error: job.error,
        finishedAt: job.finishedAt?.toISOString() ?? null,
        jobUrl: `${base}/jobs/${job.id}`,
      },
    };
  }
}
