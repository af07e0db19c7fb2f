import type PgBoss from 'pg-boss';
import type { Database, Queryable } from '../db/index.js';
import { sendInTransaction } from '../jobs/index.js';

export const WEBHOOK_QUEUE = 'webhook-delivery';

/** What a delivery's queue message carries: ids only. */
export interface DeliveryMessage {
  deliveryId: string;
  tenantId: string;
}

/** The queue and the database its messages are written to. */
export interface DeliveryQueue {
  boss: PgBoss;
  db: Database;
}

/** Makes sure the delivery queue exists (once per process start). */
export async function createDeliveryQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(WEBHOOK_QUEUE);
}

/**
 * Queues an attempt of a delivery inside the caller's transaction, to
 * start `delayMs` from now. The delivery row is the record; a message is
 * a wake-up call, and one that is lost is sent again by the reaper.
 */
export async function enqueueDelivery(
  queue: DeliveryQueue,
  tx: Queryable,
  message: DeliveryMessage,
  delayMs = 0,
): Promise<void> {
  await sendInTransaction(queue.boss, queue.db, tx, WEBHOOK_QUEUE, message, {
    retryLimit: 0,
    expireInSeconds: 3600,
    // pg-boss reads a bare number as seconds of an SQL interval, so
    // fractions of a second are kept.
    ...(delayMs > 0 && { startAfter: (delayMs / 1000).toFixed(3) }),
  });
}
