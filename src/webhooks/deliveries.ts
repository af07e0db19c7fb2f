import type { Queryable } from '../db/index.js';
import type {
  AttemptOutcome,
  DeliveryStatus,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEventType,
} from './types.js';

interface DeliveryRow {
  id: string;
  seq: string;
  tenant_id: string;
  endpoint_id: string;
  message_id: string;
  event_type: WebhookEventType;
  job_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  run_attempts: number;
  next_attempt_at: Date;
  lease_expires_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** A delivery as its attempt needs it: the stored body and its age. */
export interface ClaimedDelivery extends WebhookDelivery {
  /** Attempts since creation or the last replay, this one included. */
  runAttempts: number;
  body: string;
  eventAt: Date;
}

/** How an attempt settles its delivery. */
export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: AttemptOutcome;
  /** For `retry`: when the next attempt may start. */
  retryInMs?: number;
}

export interface DeliveryPage {
  limit: number;
  /** Continue after this delivery's `seq` (the last of the last page). */
  after?: string;
}

const SELECT = `SELECT d.id, d.seq::text AS seq, d.tenant_id, d.endpoint_id, d.message_id,
    m.event_type, m.job_id, d.status, d.attempts, d.run_attempts,
    d.next_attempt_at, d.lease_expires_at, d.last_status_code, d.last_error,
    d.created_at, d.delivered_at
  FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id`;

/** Every statement on webhook_messages, _deliveries and _attempts. */
export const deliveryQueries = {
  async insertMessage(
    tx: Queryable,
    m: {
      id: string;
      tenantId: string;
      type: WebhookEventType;
      jobId: string | null;
      body: string;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO webhook_messages (id, tenant_id, event_type, job_id, body)
       VALUES ($1, $2, $3, $4, $5)`,
      [m.id, m.tenantId, m.type, m.jobId, m.body],
    );
  },

  async insert(
    tx: Queryable,
    d: { id: string; tenantId: string; endpointId: string; messageId: string },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, message_id)
       VALUES ($1, $2, $3, $4)`,
      [d.id, d.tenantId, d.endpointId, d.messageId],
    );
  },

  /** A page of an endpoint's deliveries, newest first. */
  async list(
    db: Queryable,
    tenantId: string,
    endpointId: string,
    page: DeliveryPage,
  ): Promise<WebhookDelivery[]> {
    const { rows } = await db.query<DeliveryRow>(
      `${SELECT} WHERE d.tenant_id = $1 AND d.endpoint_id = $2
         AND ($4::bigint IS NULL OR d.seq < $4::bigint)
       ORDER BY d.seq DESC LIMIT $3`,
      [tenantId, endpointId, page.limit, page.after ?? null],
    );
    return rows.map(toDelivery);
  },

  async find(
    db: Queryable,
    tenantId: string,
    endpointId: string,
    id: string,
  ): Promise<(WebhookDelivery & { body: string }) | null> {
    const { rows } = await db.query<DeliveryRow & { body: string }>(
      `SELECT q.*, m.body FROM (${SELECT}
         WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.id = $3) q
       JOIN webhook_messages m ON m.id = q.message_id`,
      [tenantId, endpointId, id],
    );
    const row = rows[0];
    return row ? { ...toDelivery(row), body: row.body } : null;
  },

  async attempts(db: Queryable, deliveryId: string): Promise<WebhookAttempt[]> {
    const { rows } = await db.query<{
      attempt: number;
      started_at: Date;
      latency_ms: number;
      status_code: number | null;
      outcome: AttemptOutcome;
      error: string | null;
    }>(
      `SELECT attempt, started_at, latency_ms, status_code, outcome, error
       FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [deliveryId],
    );
    return rows.map((r) => ({
      attempt: r.attempt,
      startedAt: r.started_at,
      latencyMs: r.latency_ms,
      statusCode: r.status_code,
      outcome: r.outcome,
      error: r.error,
    }));
  },

  /** The endpoint a delivery belongs to, to lock it first. */
  async endpointOf(tx: Queryable, id: string): Promise<string | null> {
    const { rows } = await tx.query<{ endpoint_id: string }>(
      'SELECT endpoint_id FROM webhook_deliveries WHERE id = $1',
      [id],
    );
    return rows[0]?.endpoint_id ?? null;
  },

  /** A delivery with its body, locked (after its endpoint). */
  async lock(tx: Queryable, id: string): Promise<ClaimedDelivery | null> {
    const { rows } = await tx.query<
      DeliveryRow & { body: string; event_at: Date }
    >(
      `SELECT d.*, d.seq::text AS seq, m.event_type, m.job_id, m.body,
         m.created_at AS event_at
       FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
       WHERE d.id = $1 FOR UPDATE OF d`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      ...toDelivery(row),
      runAttempts: row.run_attempts,
      body: row.body,
      eventAt: row.event_at,
    };
  },

  /** Attempts of an endpoint in flight now (their lease unexpired). */
  async inFlight(tx: Queryable, endpointId: string): Promise<number> {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries
       WHERE endpoint_id = $1 AND status = 'sending'
         AND lease_expires_at > clock_timestamp()`,
      [endpointId],
    );
    return rows[0]?.n ?? 0;
  },

  /** Starts an attempt: `sending` under a lease of `leaseMs`. */
  async start(tx: Queryable, id: string, leaseMs: number): Promise<void> {
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'sending',
         attempts = attempts + 1, run_attempts = run_attempts + 1,
         lease_expires_at = clock_timestamp() + $2 * interval '1 millisecond',
         updated_at = now()
       WHERE id = $1`,
      [id, leaseMs],
    );
  },

  /** Puts a delivery off while its endpoint has no free slot. */
  async defer(tx: Queryable, id: string, delayMs: number): Promise<void> {
    await tx.query(
      `UPDATE webhook_deliveries SET
         next_attempt_at = clock_timestamp() + $2 * interval '1 millisecond',
         updated_at = now()
       WHERE id = $1`,
      [id, delayMs],
    );
  },

  /** Fails a delivery without an attempt (its endpoint was disabled). */
  async fail(tx: Queryable, id: string, error: string): Promise<void> {
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $2,
         lease_expires_at = NULL, updated_at = now()
       WHERE id = $1`,
      [id, error],
    );
  },

  /**
   * Records an attempt and settles its delivery, only while that attempt
   * still holds it (`sending`, with this attempt's number): an attempt
   * whose lease ran out and was given back changes nothing but its log.
   */
  async settle(tx: Queryable, a: AttemptRecord): Promise<boolean> {
    const status =
      a.outcome === 'delivered'
        ? 'delivered'
        : a.outcome === 'retry'
          ? 'pending'
          : 'failed';
    const { rows } = await tx.query(
      `UPDATE webhook_deliveries SET status = $3, last_status_code = $4,
         last_error = $5, lease_expires_at = NULL,
         next_attempt_at = clock_timestamp()
           + coalesce($6, 0) * interval '1 millisecond',
         delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
         updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'sending'
       RETURNING id`,
      [
        a.deliveryId,
        a.attempt,
        status,
        a.statusCode,
        a.error,
        a.retryInMs ?? null,
      ],
    );
    await tx.query(
      `INSERT INTO webhook_attempts (delivery_id, tenant_id, attempt,
         started_at, latency_ms, status_code, outcome, error)
       SELECT id, tenant_id, $2, $3, $4, $5, $6, $7
       FROM webhook_deliveries WHERE id = $1
       ON CONFLICT DO NOTHING`,
      [
        a.deliveryId,
        a.attempt,
        a.startedAt,
        a.latencyMs,
        a.statusCode,
        a.outcome,
        a.error,
      ],
    );
    return rows.length > 0;
  },

  /**
   * Sends a failed delivery again: pending at once, its retry schedule
   * started afresh. Its id and body stay the same. Null unless failed.
   */
  async replay(
    db: Queryable,
    tenantId: string,
    endpointId: string,
    id: string,
  ): Promise<WebhookDelivery | null> {
    const { rows } = await db.query<{ id: string }>(
      `UPDATE webhook_deliveries SET status = 'pending', run_attempts = 0,
         next_attempt_at = clock_timestamp(), updated_at = now()
       WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3
         AND status = 'failed'
       RETURNING id`,
      [tenantId, endpointId, id],
    );
    if (!rows[0]) return null;
    return deliveryQueries.find(db, tenantId, endpointId, id);
  },

  /**
   * Deliveries to hand back to the queue: attempts whose lease ran out
   * (their worker died mid-send) and pending deliveries long overdue
   * (their queue message was lost). Both are due again at once.
   */
  async reap(
    tx: Queryable,
    overdueMs: number,
  ): Promise<{ id: string; tenantId: string }[]> {
    const { rows } = await tx.query<{ id: string; tenant_id: string }>(
      `UPDATE webhook_deliveries SET status = 'pending',
         lease_expires_at = NULL, next_attempt_at = clock_timestamp(),
         last_error = CASE WHEN status = 'sending'
           THEN 'the worker sending this attempt stopped' ELSE last_error END,
         updated_at = now()
       WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE (status = 'sending' AND lease_expires_at < clock_timestamp())
            OR (status = 'pending' AND next_attempt_at
                  < clock_timestamp() - $1 * interval '1 millisecond')
         FOR UPDATE SKIP LOCKED)
       RETURNING id, tenant_id`,
      [overdueMs],
    );
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
  },
};

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    seq: row.seq,
    tenantId: row.tenant_id,
    endpointId: row.endpoint_id,
    messageId: row.message_id,
    eventType: row.event_type,
    jobId: row.job_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
