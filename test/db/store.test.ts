import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { migrate } from '../../src/db/index.js';
import { toWindow, type AuditEvent } from '../../src/domain/index.js';
import { EvidenceStore } from '../../src/evidence/index.js';
import {
  BACKENDS,
  disposeTestDatabase,
  openTestDatabase,
} from '../support/db.js';

/** A builder for audit events: only what a test cares about is given. */
function anEvent(
  time: string,
  id: string,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return {
    tenantId: 'acme',
    eventTime: new Date(time),
    id,
    actor: 'alice',
    action: 'get',
    resource: 'pods',
    outcome: 'success',
    sourceFormat: 'kubernetes-audit',
    sourceName: 'audit.jsonl',
    original: JSON.stringify({ id, time }),
    ...extra,
  };
}

async function collect(
  store: EvidenceStore,
  tenant: string,
  from: string,
  to: string,
  pageSize?: number,
) {
  const ids: string[] = [];
  for await (const e of store.streamAuditEvents(tenant, toWindow(from, to), {
    pageSize,
  })) {
    ids.push(e.id);
  }
  return ids;
}

describe.each(BACKENDS)('the evidence store on %s', (backend) => {
  let db: Database;
  let store: EvidenceStore;

  beforeAll(async () => {
    db = await openTestDatabase(backend, 'store');
    store = new EvidenceStore(db);
    await store.saveTenant({ id: 'acme', name: 'Acme', sample: false });
    await store.saveTenant({ id: 'globex', name: 'Globex', sample: false });
    await store.addAuditEvents([
      anEvent('2026-01-01T00:00:00.000Z', 'at-from'),
      anEvent('2026-01-31T23:59:59.999Z', 'last-in'),
      anEvent('2026-02-01T00:00:00.000Z', 'at-to'),
      anEvent('2025-12-31T23:59:59.999Z', 'before'),
      anEvent('2026-01-15T00:00:00.000Z', 'b-same-time'),
      anEvent('2026-01-15T00:00:00.000Z', 'a-same-time'),
      anEvent('2026-01-10T00:00:00.000Z', 'other-tenant', {
        tenantId: 'globex',
      }),
    ]);
  });
  afterAll(async () => {
    if (db) await disposeTestDatabase(db);
  });

  it('migrates idempotently', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('keeps an event exactly at `from` and drops one exactly at `to`', async () => {
    const ids = await collect(
      store,
      'acme',
      '2026-01-01T00:00:00Z',
      '2026-02-01T00:00:00Z',
    );
    expect(ids).toContain('at-from');
    expect(ids).toContain('last-in');
    expect(ids).not.toContain('at-to');
    expect(ids).not.toContain('before');
  });

  it('compares windows given with offsets in UTC', async () => {
    // 05:30+05:30 is midnight UTC: the same window as above.
    const ids = await collect(
      store,
      'acme',
      '2026-01-01T05:30:00+05:30',
      '2026-02-01T05:30:00+05:30',
    );
    expect(ids).toEqual(['at-from', 'a-same-time', 'b-same-time', 'last-in']);
  });

  it('orders by time, then id, across page boundaries', async () => {
    const ids = await collect(
      store,
      'acme',
      '2025-01-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
      2,
    );
    expect(ids).toEqual([
      'before',
      'at-from',
      'a-same-time',
      'b-same-time',
      'last-in',
      'at-to',
    ]);
  });

  it("never returns another tenant's events", async () => {
    const ids = await collect(
      store,
      'acme',
      '2025-01-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
    );
    expect(ids).not.toContain('other-tenant');
    const counts = await store.countInWindow(
      'globex',
      toWindow('2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
    );
    expect(counts['audit-events']).toBe(1);
  });

  it('skips events it already holds', async () => {
    const again = await store.addAuditEvents([
      anEvent('2026-01-01T00:00:00.000Z', 'at-from'),
    ]);
    expect(again).toEqual({ inserted: 0, conflicting: [] });
  });

  it('keeps the stored event and names one that differs under its id', async () => {
    const changed = anEvent('2026-01-01T00:00:00.000Z', 'at-from', {
      original: '{"verb":"delete"}',
    });
    const again = await store.addAuditEvents([changed]);
    expect(again).toEqual({ inserted: 0, conflicting: ['at-from'] });
    const window = toWindow('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
    for await (const event of store.streamAuditEvents('acme', window)) {
      expect(event.original).not.toContain('delete');
    }
  });
});
