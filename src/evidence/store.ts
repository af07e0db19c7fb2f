import type { Database, Queryable } from '../db/index.js';
import {
  ARTIFACT_KINDS,
  exactTimeOf,
  hasUnstorable,
  storableJson,
  storableText,
  type ArtifactKind,
  type AuditEvent,
  type DocumentKind,
  type EvidenceDocument,
  type Tenant,
  type TimeWindow,
} from '../domain/index.js';

// Rows per INSERT: 11 parameters a row stays well under PostgreSQL's 65535.
const INSERT_BATCH = 500;

interface AuditRow {
  tenant_id: string;
  event_time: Date;
  event_time_exact: string | null;
  event_id: string;
  actor: string | null;
  action: string | null;
  resource: string | null;
  outcome: string | null;
  source_format: string;
  source_name: string;
  original: string;
}

interface DocumentRow {
  tenant_id: string;
  id: string;
  kind: DocumentKind;
  format: string;
  spec_version: string | null;
  media_type: string;
  event_time: Date;
  event_time_source: EvidenceDocument['eventTimeSource'];
  file_name: string;
  size: string | number;
  sha512: string;
  location: string;
  metadata: Record<string, unknown>;
  ingested_at: Date;
}

/** The evidence index: tenants, audit events and documents, by tenant. */
export class EvidenceStore {
  constructor(private readonly db: Database) {}

  async saveTenant(tenant: Tenant): Promise<void> {
    await this.db.query(
      `INSERT INTO tenants (id, name, sample) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`,
      [tenant.id, tenant.name, tenant.sample],
    );
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const { rows } = await this.db.query<Tenant>(
      'SELECT id, name, sample FROM tenants WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  }

  async listTenants(): Promise<Tenant[]> {
    const { rows } = await this.db.query<Tenant>(
      'SELECT id, name, sample FROM tenants ORDER BY id',
    );
    return rows;
  }

  /** Refreshes the planner's statistics after a bulk load. */
  async refreshStatistics(): Promise<void> {
    await this.db.exec('ANALYZE audit_events; ANALYZE evidence_documents');
  }

  /**
   * Stores events, keeping the stored record wherever one with the same
   * (format, id) exists: evidence is never overwritten. Answers how many
   * were new, and the ids of known events whose content differs from the
   * stored one, which the caller must not let pass silently.
   */
  async addAuditEvents(given: readonly AuditEvent[]): Promise<AddedEvents> {
    const added: AddedEvents = { inserted: 0, conflicting: [] };
    // The index columns take no NUL nor lone surrogate; the original
    // record, kept as read, holds them escaped (`\u0000`) if at all.
    const events = given.map(storableEvent);
    for (let i = 0; i < events.length; i += INSERT_BATCH) {
      const batch = events.slice(i, i + INSERT_BATCH);
      const ids = await insertAuditBatch(this.db, batch);
      added.inserted += ids.size;
      const known = batch.filter((e) => !ids.has(keyOf(e)));
      added.conflicting.push(...(await differingFromStored(this.db, known)));
    }
    return added;
  }

  /**
   * Whether the tenant's audit trail holds an event of this source format,
   * action and resource at or after `since`. It reads the window index
   * from `since` on, so callers give the tightest bound they know.
   */
  async hasOwnAuditEvent(query: {
    tenantId: string;
    sourceFormat: string;
    action: string;
    resource: string;
    since: Date;
  }): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM audit_events
       WHERE tenant_id = $1 AND event_time >= $2 AND source_format = $3
         AND action = $4 AND resource = $5
       LIMIT 1`,
      [
        query.tenantId,
        query.since,
        query.sourceFormat,
        storableText(query.action),
        storableText(query.resource),
      ],
    );
    return rows.length > 0;
  }

  /** Stores a document's index row; false when the same bytes were known. */
  async addDocument(document: EvidenceDocument): Promise<boolean> {
    const { rows } = await this.db.query(
      `INSERT INTO evidence_documents (tenant_id, id, kind, format,
         spec_version, media_type, event_time, event_time_source, file_name,
         size, sha512, location, metadata, ingested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (tenant_id, sha512) DO NOTHING
       RETURNING id`,
      [
        document.tenantId,
        document.id,
        document.kind,
        document.format,
        document.specVersion,
        document.mediaType,
        document.eventTime,
        document.eventTimeSource,
        document.fileName,
        document.size,
        document.sha512,
        document.location,
        JSON.stringify(storableJson(document.metadata).value),
        document.ingestedAt,
      ],
    );
    return rows.length > 0;
  }

  /** The id of a tenant's document with these bytes, if one is stored. */
  async documentIdOf(
    tenantId: string,
    sha512: string,
  ): Promise<string | undefined> {
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM evidence_documents WHERE tenant_id = $1 AND sha512 = $2',
      [tenantId, sha512],
    );
    return rows[0]?.id;
  }

  /** One of a tenant's documents by id, or null. */
  async getDocument(
    tenantId: string,
    id: string,
  ): Promise<EvidenceDocument | null> {
    const { rows } = await this.db.query<DocumentRow>(
      'SELECT * FROM evidence_documents WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ? toDocument(rows[0]) : null;
  }

  /**
   * Streams a tenant's audit events in [from, to), ordered by time, then id,
   * then source format, a page at a time (keyset paging, flat memory).
   */
  async *streamAuditEvents(
    tenantId: string,
    window: TimeWindow,
    options: StreamOptions = {},
  ): AsyncGenerator<AuditEvent> {
    const pageSize = options.pageSize ?? 2000;
    const load = options.loadPage ?? ((page) => page());
    let after: AuditRow | undefined;
    for (;;) {
      const from = after;
      const rows = await load(() =>
        selectAuditPage(this.db, tenantId, window, pageSize, from),
      );
      for (const row of rows) yield toAuditEvent(row);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1];
    }
  }

  /** A tenant's documents of one kind in [from, to), in a stable order. */
  async listDocuments(
    tenantId: string,
    kind: DocumentKind,
    window: TimeWindow,
  ): Promise<EvidenceDocument[]> {
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT * FROM evidence_documents
       WHERE tenant_id = $1 AND kind = $2
         AND event_time >= $3 AND event_time < $4
       ORDER BY event_time, sha512`,
      [tenantId, kind, window.from, window.to],
    );
    return rows.map(toDocument);
  }

  /**
   * How many items of one kind a tenant's window holds, and their bytes
   * (the stored originals of audit events; the files of documents).
   */
  async countKind(
    tenantId: string,
    kind: ArtifactKind,
    window: TimeWindow,
  ): Promise<{ items: number; bytes: number }> {
    const params: unknown[] = [tenantId, window.from, window.to];
    const { rows } =
      kind === 'audit-events'
        ? await this.db.query<{ items: number; bytes: string | null }>(
            `SELECT count(*)::int AS items,
               sum(octet_length(original))::bigint AS bytes
             FROM audit_events
             WHERE tenant_id = $1 AND event_time >= $2 AND event_time < $3`,
            params,
          )
        : await this.db.query<{ items: number; bytes: string | null }>(
            `SELECT count(*)::int AS items, sum(size)::bigint AS bytes
             FROM evidence_documents
             WHERE tenant_id = $1 AND event_time >= $2 AND event_time < $3
               AND kind = $4`,
            [...params, kind],
          );
    return {
      items: rows[0]?.items ?? 0,
      bytes: Number(rows[0]?.bytes ?? 0),
    };
  }

  /** How many items of each kind a tenant's window holds. */
  async countInWindow(
    tenantId: string,
    window: TimeWindow,
  ): Promise<Record<ArtifactKind, number>> {
    const params = [tenantId, window.from, window.to];
    const events = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events
       WHERE tenant_id = $1 AND event_time >= $2 AND event_time < $3`,
      params,
    );
    const documents = await this.db.query<{ kind: DocumentKind; n: number }>(
      `SELECT kind, count(*)::int AS n FROM evidence_documents
       WHERE tenant_id = $1 AND event_time >= $2 AND event_time < $3
       GROUP BY kind`,
      params,
    );
    const counts = Object.fromEntries(
      ARTIFACT_KINDS.map((kind) => [kind, 0]),
    ) as Record<ArtifactKind, number>;
    counts['audit-events'] = events.rows[0]?.n ?? 0;
    for (const row of documents.rows) counts[row.kind] = row.n;
    return counts;
  }
}

export interface StreamOptions {
  pageSize?: number;
  /**
   * Runs each page's query; a caller may wrap it to retry a page that
   * failed for a transient reason (paging resumes where it stopped).
   */
  loadPage?: <T>(page: () => Promise<T>) => Promise<T>;
}

/** What storing a batch of events did. */
export interface AddedEvents {
  inserted: number;
  /** Ids of events already stored with other content; the stored won. */
  conflicting: string[];
}

function keyOf(event: { sourceFormat: string; id: string }): string {
  return `${event.sourceFormat}\u0000${event.id}`;
}

/** Of events already known by (format, id), those whose bytes differ. */
async function differingFromStored(
  db: Queryable,
  known: readonly AuditEvent[],
): Promise<string[]> {
  if (known.length === 0) return [];
  const tenantId = known[0]?.tenantId;
  const { rows } = await db.query<{
    source_format: string;
    event_id: string;
    original: string;
  }>(
    `SELECT source_format, event_id, original FROM audit_events
     WHERE tenant_id = $1 AND event_id = ANY($2::text[])`,
    [tenantId, known.map((e) => e.id)],
  );
  const stored = new Map(
    rows.map((r) => [
      keyOf({ sourceFormat: r.source_format, id: r.event_id }),
      r.original,
    ]),
  );
  return known
    .filter((e) => {
      const original = stored.get(keyOf(e));
      return original !== undefined && original !== e.original;
    })
    .map((e) => e.id);
}

/** Inserts what is new; answers the (format, id) keys it inserted. */
async function insertAuditBatch(
  db: Queryable,
  batch: readonly AuditEvent[],
): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const params: unknown[] = [];
  const tuples = batch.map((event) => {
    const base = params.length;
    params.push(
      event.tenantId,
      event.eventTime,
      event.id,
      event.actor,
      event.action,
      event.resource,
      event.outcome,
      event.sourceFormat,
      event.sourceName,
      event.original,
      exactOf(event),
    );
    const slots = Array.from({ length: 11 }, (_, i) => `$${base + i + 1}`);
    return `(${slots.join(', ')})`;
  });
  const { rows } = await db.query<{ source_format: string; event_id: string }>(
    `INSERT INTO audit_events (tenant_id, event_time, event_id, actor,
       action, resource, outcome, source_format, source_name, original,
       event_time_exact)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (tenant_id, source_format, event_id) DO NOTHING
     RETURNING source_format, event_id`,
    params,
  );
  return new Set(
    rows.map((r) => keyOf({ sourceFormat: r.source_format, id: r.event_id })),
  );
}

async function selectAuditPage(
  db: Queryable,
  tenantId: string,
  window: TimeWindow,
  limit: number,
  after: AuditRow | undefined,
): Promise<AuditRow[]> {
  const params: unknown[] = [tenantId, window.from, window.to, limit];
  let keyset = '';
  if (after) {
    params.push(after.event_time, after.event_id, after.source_format);
    keyset = 'AND (event_time, event_id, source_format) > ($5, $6, $7)';
  }
  const { rows } = await db.query<AuditRow>(
    `SELECT tenant_id, event_time, event_time_exact, event_id, actor, action,
       resource, outcome, source_format, source_name, original
     FROM audit_events
     WHERE tenant_id = $1 AND event_time >= $2 AND event_time < $3 ${keyset}
     ORDER BY event_time, event_id, source_format
     LIMIT $4`,
    params,
  );
  return rows;
}

// Stored only when it says more than the millisecond event_time keeps.
function exactOf(event: AuditEvent): string | null {
  const exact = event.eventTimeExact ?? exactTimeOf(event.eventTime);
  return exact === event.eventTime.toISOString() ? null : exact;
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    tenantId: row.tenant_id,
    eventTime: row.event_time,
    eventTimeExact: row.event_time_exact,
    id: row.event_id,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    outcome: row.outcome,
    sourceFormat: row.source_format,
    sourceName: row.source_name,
    original: row.original,
  };
}

function toDocument(row: DocumentRow): EvidenceDocument {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    kind: row.kind,
    format: row.format,
    specVersion: row.spec_version,
    mediaType: row.media_type,
    eventTime: row.event_time,
    eventTimeSource: row.event_time_source,
    fileName: row.file_name,
    size: Number(row.size),
    sha512: row.sha512,
    location: row.location,
    metadata: row.metadata,
    ingestedAt: row.ingested_at,
  };
}

// Ingest's hot path: an event is copied only when it has to change.
function storableEvent(event: AuditEvent): AuditEvent {
  const fields = ['id', 'actor', 'action', 'resource', 'outcome'] as const;
  if (!fields.some((f) => hasUnstorable(event[f] ?? ''))) return event;
  return {
    ...event,
    id: storableText(event.id),
    actor: event.actor === null ? null : storableText(event.actor),
    action: event.action === null ? null : storableText(event.action),
    resource: event.resource === null ? null : storableText(event.resource),
    outcome: event.outcome === null ? null : storableText(event.outcome),
  };
}
