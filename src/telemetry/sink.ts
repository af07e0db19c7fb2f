import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPublicUrl, type UrlPolicy } from '../net/index.js';
import {
  toWireEvent,
  type AnalyticsEvent,
  type EventSink,
} from './analytics.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface SinkOptions {
  url: string;
  /** Events per POST. */
  batchSize: number;
  /** How long an event may wait for a full batch. */
  flushMs: number;
  /** Events held at most; the oldest are dropped past it. */
  bufferSize: number;
  /** Retries of one batch before it is dropped. */
  retries: number;
  /** First retry delay, doubled each time (with jitter), capped. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long one POST may take. */
  timeoutMs?: number;
  urlPolicy: UrlPolicy;
  userAgent: string;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Forwards analytics events to an HTTP endpoint in JSON batches
 * (`{ "batchId", "events": [...] }`, one POST per batch). Events wait in a
 * bounded buffer; a batch that fails is retried with exponential backoff
 * and jitter, then dropped and counted. Nothing here blocks the caller:
 * `offer` only pushes onto the buffer.
 */
export class HttpEventSink implements EventSink {
  private buffer: AnalyticsEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: SinkOptions) {}

  offer(event: AnalyticsEvent): void {
    if (this.closed) return;
    if (this.buffer.length >= this.options.bufferSize) {
      this.buffer.shift();
      this.dropped(1, 'buffer full');
    }
    this.buffer.push(event);
    this.options.metrics.analyticsSinkBuffered.set(this.buffer.length);
    if (this.buffer.length >= this.options.batchSize) this.kick();
    else this.schedule();
  }

  /** Sends what is buffered (one try per batch), then stops. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.sending;
    this.closed = true;
    while (this.buffer.length > 0) {
      const batch = this.take();
      if (!(await this.post(batch))) this.dropped(batch.length, 'shutdown');
    }
  }

  private schedule(): void {
    if (this.timer || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.flushMs);
    this.timer.unref();
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
      if (this.buffer.length > 0 && !this.closed) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0 && !this.closed) {
      await this.deliver(this.take());
    }
  }

  private take(): AnalyticsEvent[] {
    const batch = this.buffer.splice(0, this.options.batchSize);
    this.options.metrics.analyticsSinkBuffered.set(this.buffer.length);
    return batch;
  }

  /** Posts one batch, retrying with backoff; drops it when all fail. */
  private async deliver(batch: AnalyticsEvent[]): Promise<void> {
    const batchId = randomUUID();
    const { retries, logger } = this.options;
    for (let attempt = 0; attempt <= retries; attempt += 1) {
      if (attempt > 0) {
        const delayMs = this.delay(attempt);
        logger.warn(
          { event: 'analytics.sink-retry', batchId, attempt, delayMs },
          'analytics sink failed; retrying',
        );
        await sleep(delayMs, undefined, { ref: false });
      }
      if (await this.post(batch, batchId)) return;
    }
    this.dropped(batch.length, 'retries spent');
  }

  private async post(
    batch: AnalyticsEvent[],
    batchId: string = randomUUID(),
  ): Promise<boolean> {
    const { metrics } = this.options;
    try {
      // Checked at every send, after DNS: a name re-pointed at an internal
      // address is refused (src/net/urlguard.ts).
      const { url } = await assertPublicUrl(
        this.options.url,
        this.options.urlPolicy,
      );
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent,
          // The same id on every retry, so the sink can drop duplicates.
          'idempotency-key': batchId,
        },
        body: JSON.stringify({ batchId, events: batch.map(toWireEvent) }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      metrics.analyticsSinkPosts.inc({ outcome: res.ok ? 'sent' : 'failed' });
      return res.ok;
    } catch {
      metrics.analyticsSinkPosts.inc({ outcome: 'failed' });
      return false;
    }
  }

  private delay(retry: number): number {
    const base = this.options.retryBaseMs ?? 1000;
    const max = this.options.retryMaxMs ?? 60_000;
    const ceiling = Math.min(max, base * 2 ** Math.min(retry - 1, 20));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private dropped(count: number, reason: string): void {
    this.options.metrics.analyticsSinkDropped.inc(count);
    this.options.logger.warn(
      { event: 'analytics.sink-dropped', count, reason },
      'analytics events dropped',
    );
  }
}
