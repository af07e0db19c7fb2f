import type { Queryable } from '../db/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** The product analytics events; migration 009 holds the table to them. */
export const ANALYTICS_EVENTS = Object.freeze([
  'export.requested',
  'export.completed',
  'export.partial',
  'export.failed',
  'bundle.downloaded',
] as const);

export type AnalyticsEventName = (typeof ANALYTICS_EVENTS)[number];

/**
 * One analytics event: ids, sizes and durations only. Never evidence,
 * never who asked (a requester is personal data; the tenant is enough).
 */
export interface AnalyticsEvent {
  name: AnalyticsEventName;
  tenantId: string;
  jobId: string;
  occurredAt: Date;
  /** Bundle bytes for finished exports, bytes sent for downloads. */
  bytes?: number | null;
  /** From the job's creation to this event. */
  durationMs?: number | null;
  items?: number | null;
  details?: Record<string, string | number | boolean>;
}

/** Where events go besides the table: the optional HTTP sink. */
export interface EventSink {
  offer(event: AnalyticsEvent): void;
  close(): Promise<void>;
}

/**
 * Records analytics events: stores each in `analytics_events` and offers
 * it to the sink. Recording never throws and never waits on the sink, so
 * an export or a download cannot fail or slow down because of it.
 */
export class Analytics {
  constructor(
    private readonly deps: {
      db: Queryable;
      metrics: Metrics;
      logger: Logger;
      sink?: EventSink;
    },
  ) {}

  async record(event: AnalyticsEvent): Promise<void> {
    const { db, metrics, logger, sink } = this.deps;
    try {
      await insertEvent(db, event);
    } catch (error) {
      logger.warn(
        { event: 'analytics.error', name: event.name, err: error },
        'cannot store an analytics event',
      );
    }
    metrics.analyticsEvents.inc({ name: event.name });
    sink?.offer(event);
  }

  /** Flushes what the sink still holds, within its own time limit. */
  async close(): Promise<void> {
    await this.deps.sink?.close();
  }
}

async function insertEvent(db: Queryable, event: AnalyticsEvent) {
  await db.query(
    `INSERT INTO analytics_events (tenant_id, job_id, name, occurred_at,
       bytes, duration_ms, items, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      event.tenantId,
      event.jobId,
      event.name,
      event.occurredAt,
      event.bytes ?? null,
      event.durationMs === undefined || event.durationMs === null
        ? null
        : Math.round(event.durationMs),
      event.items ?? null,
      JSON.stringify(event.details ?? {}),
    ],
  );
}

/** The JSON an event is sent to the sink as. */
export function toWireEvent(event: AnalyticsEvent) {
  return {
    name: event.name,
    tenantId: event.tenantId,
    jobId: event.jobId,
    occurredAt: event.occurredAt.toISOString(),
    bytes: event.bytes ?? null,
    durationMs: event.durationMs ?? null,
    items: event.items ?? null,
    details: event.details ?? {},
  };
}
