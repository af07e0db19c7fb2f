import type { Queryable } from '../db/index.js';
import type { WebhookEndpoint, WebhookEventType } from './types.js';

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface NewEndpoint {
  id: string;
  tenantId: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  secret: string;
  createdBy: string;
}

export interface EndpointChange {
  url?: string;
  events?: WebhookEventType[];
  enabled?: boolean;
}

/** An endpoint and the secrets that sign for it now, newest first. */
export interface SigningEndpoint extends WebhookEndpoint {
  secrets: string[];
}

const COLUMNS = `id, tenant_id, url, events, enabled, disabled_reason,
  secret, previous_secret, previous_secret_expires_at, created_by,
  created_at, updated_at`;

/** Every statement on webhook_endpoints, one named function each. */
export const endpointQueries = {
  async insert(db: Queryable, e: NewEndpoint): Promise<WebhookEndpoint> {
    const { rows } = await db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, events, enabled,
         secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [e.id, e.tenantId, e.url, e.events, e.enabled, e.secret, e.createdBy],
    );
    return toEndpoint(rows[0] as EndpointRow);
  },

  async count(db: Queryable, tenantId: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0]?.n ?? 0;
  },

  async list(db: Queryable, tenantId: string): Promise<WebhookEndpoint[]> {
    const { rows } = await db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1
       ORDER BY created_at, id`,
      [tenantId],
    );
    return rows.map(toEndpoint);
  },

  async find(
    db: Queryable,
    tenantId: string,
    id: string,
  ): Promise<WebhookEndpoint | null> {
    const { rows } = await db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM webhook_endpoints
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  },

  /**
   * Locks an endpoint row and answers it with its live secrets. Every
   * writer that touches an endpoint and its deliveries takes this lock
   * first, so they never wait on each other in opposite orders.
   */
  async lockForSigning(
    tx: Queryable,
    id: string,
  ): Promise<SigningEndpoint | null> {
    const { rows } = await tx.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    const secrets = [row.secret];
    const expires = row.previous_secret_expires_at;
    if (row.previous_secret && expires && expires.getTime() > Date.now()) {
      secrets.push(row.previous_secret);
    }
    return { ...toEndpoint(row), secrets };
  },

  /** Applies a change; enabling an endpoint clears why it was disabled. */
  async update(
    db: Queryable,
    tenantId: string,
    id: string,
    change: EndpointChange,
  ): Promise<WebhookEndpoint | null> {
    const { rows } = await db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET
         url = coalesce($3, url),
         events = coalesce($4, events),
         enabled = coalesce($5, enabled),
         disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason
                                ELSE NULL END,
         updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        tenantId,
        id,
        change.url ?? null,
        change.events ?? null,
        change.enabled ?? null,
      ],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  },

  /** Switches an endpoint off for a reason the packager found. */
  async disable(tx: Queryable, id: string, reason: string): Promise<boolean> {
    const { rows } = await tx.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2,
         updated_at = now()
       WHERE id = $1 AND enabled RETURNING id`,
      [id, reason],
    );
    return rows.length > 0;
  },

  /**
   * A new secret; the old one keeps signing beside it until `graceMs`
   * from now, so receivers can switch without losing a delivery.
   */
  async rotateSecret(
    db: Queryable,
    tenantId: string,
    id: string,
    secret: string,
    graceMs: number,
  ): Promise<WebhookEndpoint | null> {
    const { rows } = await db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET previous_secret = secret, secret = $3,
         previous_secret_expires_at =
           clock_timestamp() + $4 * interval '1 millisecond',
         updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, secret, graceMs],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  },

  /** Deletes an endpoint with its deliveries and their attempts. */
  async delete(db: Queryable, tenantId: string, id: string): Promise<boolean> {
    const { rows } = await db.query(
      `DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2
       RETURNING id`,
      [tenantId, id],
    );
    return rows.length > 0;
  },

  /** The tenant's enabled endpoints that subscribe to an event type. */
  async subscribers(
    tx: Queryable,
    tenantId: string,
    type: WebhookEventType,
  ): Promise<WebhookEndpoint[]> {
    const { rows } = await tx.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM webhook_endpoints
       WHERE tenant_id = $1 AND enabled AND $2 = ANY(events)
       ORDER BY created_at, id`,
      [tenantId, type],
    );
    return rows.map(toEndpoint);
  },
};

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    url: row.url,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    previousSecretExpiresAt:
      row.previous_secret && row.previous_secret_expires_at
        ? row.previous_secret_expires_at
        : null,
  };
}
