import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../domain/index.js';

/** The source format of the packager's own audit events. */
export const OWN_SOURCE_FORMAT = 'disclosure-packager';

/** One thing the packager did for or to a tenant. */
export interface AuditRecord {
  tenantId: string;
  /** Who asked: a token's subject, `operator` for the CLI. */
  actor: string;
  /** Such as `export.requested`, `bundle.downloaded`, `token.created`. */
  action: string;
  /** What it was done to, such as `job/<id>` or `token/<id>`. */
  resource: string;
  outcome: 'success' | 'refused' | 'failure';
}

/** Where audit events are kept: the evidence store's audit_events. */
export interface AuditSink {
  addAuditEvents(events: readonly AuditEvent[]): Promise<unknown>;
  hasOwnAuditEvent(query: OwnEventQuery): Promise<boolean>;
}

/** One of the packager's own actions, looked for in a tenant's events. */
export interface OwnEventQuery {
  tenantId: string;
  action: string;
  resource: string;
  /** The earliest time it can have happened, which bounds the search. */
  since: Date;
  sourceFormat: string;
}

/**
 * Writes the packager's own actions as audit events of the tenant
 * concerned, so that they appear in that tenant's later bundles.
 */
export class AuditTrail {
  constructor(
    private readonly sink: AuditSink,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Whether `action` was already recorded on `resource` since `since`:
   * for example, whether a bundle was downloaded before.
   */
  async hasRecorded(
    query: Omit<OwnEventQuery, 'sourceFormat'>,
  ): Promise<boolean> {
    return this.sink.hasOwnAuditEvent({
      ...query,
      sourceFormat: OWN_SOURCE_FORMAT,
    });
  }

  async record(entry: AuditRecord): Promise<void> {
    const at = this.now();
    const id = randomUUID();
    const original = JSON.stringify({
      id,
      time: at.toISOString(),
      ...entry,
    });
    await this.sink.addAuditEvents([
      {
        tenantId: entry.tenantId,
        eventTime: at,
        id,
        actor: entry.actor,
        action: entry.action,
        resource: entry.resource,
        outcome: entry.outcome,
        sourceFormat: OWN_SOURCE_FORMAT,
        sourceName: OWN_SOURCE_FORMAT,
        original,
      },
    ]);
  }
}
