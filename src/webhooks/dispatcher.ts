import { setTimeout as delay, setImmediate } from 'node:timers/promises';
import type { AuditTrail } from '../audit/index.js';
import type { WebhookSettings } from '../config/index.js';
import type { UrlPolicy } from '../net/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import { deliveryQueries, type ClaimedDelivery } from './deliveries.js';
import { endpointQueries, type SigningEndpoint } from './endpoints.js';
import {
  WEBHOOK_QUEUE,
  enqueueDelivery,
  type DeliveryMessage,
  type DeliveryQueue,
} from './queue.js';
import {
  nextRetryDelay,
  parseRetrySchedule,
  retryAfterMs,
} from './schedule.js';
import { sendAttempt, type AttemptResult } from './sender.js';
import { signatureHeaders } from './signature.js';
import type { AttemptOutcome } from './types.js';

export interface DispatcherDeps {
  queue: DeliveryQueue;
  urlPolicy: UrlPolicy;
  metrics: Metrics;
  logger: Logger;
  /** Records endpoints the packager disables (a 410) in the tenant's trail. */
  audit: Pick<AuditTrail, 'record'>;
}

/** One attempt that holds its delivery: what to send and where. */
interface Claim {
  delivery: ClaimedDelivery;
  endpoint: SigningEndpoint;
  attempt: number;
}

const USER_AGENT = 'disclosure-packager-webhooks/0.1';

// A lost or crashed attempt is given back once its lease runs out: the
// attempt timeout plus this margin.
const LEASE_MARGIN_MS = 30_000;

// A pending delivery this long past due has lost its queue message.
const OVERDUE_MS = 10 * 60_000;

/**
 * Sends webhook deliveries from the queue. Each attempt claims its
 * delivery under a lock on its endpoint, and only while fewer than
 * `endpointConcurrency` attempts to that endpoint are in flight, across
 * every process; a delivery that finds no free slot is put off with
 * jitter. So a flood of events to a failing endpoint waits its turn
 * instead of growing into a retry storm (docs/webhooks.md).
 */
export class WebhookDispatcher {
  private readonly schedule: number[];
  private readonly workIds: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private reaper: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly settings: WebhookSettings,
  ) {
    this.schedule = parseRetrySchedule(settings.retrySchedule);
  }

  private get timeoutMs(): number {
    return Math.round(this.settings.timeoutSeconds * 1000);
  }

  async start(): Promise<void> {
    const { boss } = this.deps.queue;
    for (let i = 0; i < this.settings.concurrency; i += 1) {
      let id = '';
      id = await boss.work<DeliveryMessage>(
        WEBHOOK_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: 0.5 },
        async ([message]) => {
          if (!message || this.stopping) return;
          // Embedded PGlite answers on the microtask queue: without this
          // turn of the event loop, senders putting deliveries off could
          // starve the timers and sockets of the attempts in flight.
          await setImmediate();
          const run = this.deliver(message.data);
          this.running.add(run);
          try {
            await run;
          } finally {
            this.running.delete(run);
          }
          boss.notifyWorker(id);
        },
      );
      this.workIds.push(id);
    }
    this.reaper = setInterval(() => void this.reap(), 30_000);
    this.reaper.unref();
  }

  /**
   * Stops taking deliveries and waits, at most one attempt's timeout and
   * a little, for the attempts in flight to be recorded; one cut short
   * is sent again once its lease runs out.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.reaper);
    for (const timer of this.timers) clearTimeout(timer);
    await this.deps.queue.boss.offWork(WEBHOOK_QUEUE).catch(() => undefined);
    // The grace timer must not keep a process that has nothing else to
    // do alive for its whole length.
    await Promise.race([
      Promise.allSettled([...this.running]),
      delay(this.timeoutMs + 5000, undefined, { ref: false }),
    ]);
    // pg-boss marks a message done just after its handler returns.
    await delay(50);
  }

  /** Wakes idle pollers, for a process that just queued deliveries. */
  wake(): void {
    if (this.stopping) return;
    for (const id of this.workIds) this.deps.queue.boss.notifyWorker(id);
  }

  /** Makes one attempt of the delivery a message names, if it may. */
  async deliver(message: DeliveryMessage): Promise<void> {
    try {
      const claim = await this.claim(message);
      if (!claim) return;
      const startedAt = new Date();
      const result = await sendAttempt(
        {
          url: claim.endpoint.url,
          headers: {
            ...signatureHeaders(
              claim.delivery.messageId,
              claim.delivery.body,
              claim.endpoint.secrets,
              startedAt,
            ),
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
          },
          body: claim.delivery.body,
          timeoutMs: this.timeoutMs,
        },
        this.deps.urlPolicy,
      );
      await this.settle(claim, startedAt, result);
    } catch (error) {
      // The delivery keeps its state; its lease or the reaper brings it
      // back.
      this.deps.logger.error(
        { event: 'webhook.error', err: error, deliveryId: message.deliveryId },
        'webhook delivery failed to run',
      );
    }
  }

  /**
   * Takes the delivery for one attempt, under a lock on its endpoint:
   * null when it is not due (delivered, failed, taken, or early), or when
   * it was put off because its endpoint has no free slot.
   */
  private async claim(message: DeliveryMessage): Promise<Claim | null> {
    const { queue } = this.deps;
    return queue.db.transaction(async (tx) => {
      const endpointId = await deliveryQueries.endpointOf(
        tx,
        message.deliveryId,
      );
      if (!endpointId) return null;
      const endpoint = await endpointQueries.lockForSigning(tx, endpointId);
      const delivery = await deliveryQueries.lock(tx, message.deliveryId);
      if (!endpoint || !delivery || delivery.status !== 'pending') return null;
      // A duplicate message ahead of the delivery's time: the message
      // sent with that time will come.
      if (
        delivery.nextAttemptAt &&
        delivery.nextAttemptAt.getTime() > Date.now() + 1000
      ) {
        return null;
      }
      if (!endpoint.enabled) {
        await deliveryQueries.fail(
          tx,
          delivery.id,
          'the endpoint is disabled; replay the delivery once it is enabled',
        );
        return null;
      }
      const busy = await deliveryQueries.inFlight(tx, endpointId);
      if (busy >= this.settings.endpointConcurrency) {
        const delayMs = this.deferDelay();
        await deliveryQueries.defer(tx, delivery.id, delayMs);
        await enqueueDelivery(queue, tx, message, delayMs);
        this.wakeAfter(delayMs);
        return null;
      }
      await deliveryQueries.start(
        tx,
        delivery.id,
        this.timeoutMs + LEASE_MARGIN_MS,
      );
      return { delivery, endpoint, attempt: delivery.attempts + 1 };
    });
  }

  /** Records the attempt and settles the delivery, in one transaction. */
  private async settle(
    claim: Claim,
    startedAt: Date,
    result: AttemptResult,
  ): Promise<void> {
    const { delivery, endpoint } = claim;
    const { outcome, retryInMs } = this.verdictOf(
      result,
      delivery.runAttempts + 1,
    );
    const disabledReason =
      outcome === 'disabled'
        ? 'the receiver answered 410 Gone; the packager disabled the endpoint'
        : null;
    let disabled = false;
    await this.deps.queue.db.transaction(async (tx) => {
      await endpointQueries.lockForSigning(tx, endpoint.id);
      const held = await deliveryQueries.settle(tx, {
        deliveryId: delivery.id,
        attempt: claim.attempt,
        startedAt,
        latencyMs: result.latencyMs,
        statusCode: result.statusCode,
        error: result.error ?? (disabledReason && '410 Gone'),
        outcome,
        retryInMs,
      });
      if (!held) return;
      if (disabledReason) {
        disabled = await endpointQueries.disable(
          tx,
          endpoint.id,
          disabledReason,
        );
      }
      if (outcome === 'retry') {
        await enqueueDelivery(
          this.deps.queue,
          tx,
          { deliveryId: delivery.id, tenantId: delivery.tenantId },
          retryInMs,
        );
      }
    });
    this.observe(claim, outcome, result);
    if (outcome === 'retry' && retryInMs !== undefined) {
      this.wakeAfter(retryInMs);
    }
    if (disabled) {
      await this.deps.audit.record({
        tenantId: delivery.tenantId,
        actor: 'disclosure-packager',
        action: 'webhook.disabled',
        resource: `webhook/${endpoint.id}`,
        outcome: 'success',
      });
    }
  }

  /** How an attempt counts, and when to try again if it does. */
  private verdictOf(
    result: AttemptResult,
    runAttempts: number,
  ): { outcome: AttemptOutcome; retryInMs?: number } {
    if (result.kind === 'delivered') return { outcome: 'delivered' };
    if (result.kind === 'gone') return { outcome: 'disabled' };
    if (result.kind === 'final') return { outcome: 'failed' };
    const delay = nextRetryDelay(this.schedule, runAttempts, {
      retryAfterMs: retryAfterMs(result.retryAfter),
    });
    return delay === null
      ? { outcome: 'failed' }
      : { outcome: 'retry', retryInMs: delay };
  }

  private observe(
    claim: Claim,
    outcome: AttemptOutcome,
    result: AttemptResult,
  ): void {
    const { metrics, logger } = this.deps;
    const { delivery } = claim;
    metrics.webhookDeliveries.inc({ outcome });
    metrics.webhookAttemptDuration.observe(
      { outcome },
      result.latencyMs / 1000,
    );
    if (outcome === 'delivered') {
      metrics.webhookDeliveryLatency.observe(
        (Date.now() - delivery.eventAt.getTime()) / 1000,
      );
    }
    const log =
      outcome === 'delivered' || outcome === 'retry' ? 'info' : 'warn';
    logger[log](
      {
        event: `webhook.${outcome}`,
        tenantId: delivery.tenantId,
        endpointId: claim.endpoint.id,
        deliveryId: delivery.id,
        webhookId: delivery.messageId,
        attempt: claim.attempt,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error ?? undefined,
      },
      `webhook ${delivery.eventType}: ${outcome}`,
    );
  }

  /**
   * Gives back deliveries whose attempt's worker died (lease expired) and
   * re-queues pending ones whose message was lost. A duplicate message is
   * harmless: only one claim can take a pending delivery.
   */
  async reap(): Promise<number> {
    const { queue, logger } = this.deps;
    try {
      const reaped = await queue.db.transaction(async (tx) => {
        const rows = await deliveryQueries.reap(tx, OVERDUE_MS);
        for (const row of rows) {
          await enqueueDelivery(queue, tx, {
            deliveryId: row.id,
            tenantId: row.tenantId,
          });
        }
        return rows;
      });
      if (reaped.length > 0) {
        logger.warn(
          { event: 'webhook.reaped', deliveries: reaped.length },
          'webhook deliveries given back to the queue',
        );
        this.wake();
      }
      return reaped.length;
    } catch (error) {
      logger.warn({ event: 'webhook.error', err: error }, 'webhook reaper');
      return 0;
    }
  }

  /** How long a delivery waits for a free slot: about one attempt. */
  private deferDelay(): number {
    const base = Math.min(this.timeoutMs, 5000);
    return Math.round(base * (0.5 + Math.random()));
  }

  /** Polls again when a delayed message falls due, not a poll later. */
  private wakeAfter(delayMs: number): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake();
    }, delayMs + 20);
    timer.unref();
    this.timers.add(timer);
  }
}
