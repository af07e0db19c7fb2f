import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inTenantScope,
  tenantScopedDatabase,
  type Database,
} from '../../src/db/index.js';
import { jobQueries } from '../../src/jobs/index.js';
import {
  BACKENDS,
  disposeTestDatabase,
  openTestDatabase,
} from '../support/db.js';

const JOB = {
  acme: '00000000-0000-4000-8000-00000000000a',
  globex: '00000000-0000-4000-8000-00000000000b',
};

describe.each(BACKENDS)('row-level security on %s', (backend) => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase(backend, 'rls');
    await db.query(
      "INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')",
    );
    for (const tenantId of ['acme', 'globex'] as const) {
      await db.query(
        `INSERT INTO audit_events (tenant_id, event_time, event_id,
           source_format, source_name, original)
         VALUES ($1, now(), 'e1', 'test', 'test', '{}')`,
        [tenantId],
      );
      await jobQueries.insert(db, {
        id: JOB[tenantId],
        tenantId,
        artifacts: ['sboms'],
        windowFrom: new Date('2026-01-01T00:00:00Z'),
        windowTo: new Date('2026-02-01T00:00:00Z'),
        requestedBy: 'someone',
        idempotencyKey: null,
        requestHash: 'h',
        maxAttempts: 3,
      });
    }
  });
  afterAll(async () => {
    if (db) await disposeTestDatabase(db);
  });

  const asAcme = <T>(sql: string, params: unknown[] = []) =>
    inTenantScope(db, 'acme', (tx) => tx.query<T & object>(sql, params));

  it('hides the other tenant from a query that forgets the filter', async () => {
    for (const table of ['audit_events', 'export_jobs']) {
      const { rows } = await asAcme<{ tenant_id: string }>(
        `SELECT tenant_id FROM ${table}`,
      );
      expect(
        rows.map((r) => r.tenant_id),
        table,
      ).toEqual(['acme']);
    }
  });

  it("answers nothing to a query that asks for the other tenant's rows", async () => {
    const { rows } = await asAcme(
      "SELECT * FROM export_jobs WHERE tenant_id = 'globex'",
    );
    expect(rows).toEqual([]);
    const history = await asAcme(
      'SELECT * FROM export_job_transitions WHERE job_id = $1',
      [JOB.globex],
    );
    expect(history.rows).toEqual([]);
  });

  it("refuses to write a row into the other tenant's data", async () => {
    await expect(
      asAcme(
        `INSERT INTO audit_events (tenant_id, event_time, event_id,
           source_format, source_name, original)
         VALUES ('globex', now(), 'forged', 'test', 'test', '{}')`,
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await asAcme(
      "UPDATE export_jobs SET requested_by = 'mallory' WHERE id = $1 RETURNING id",
      [JOB.globex],
    );
    expect(updated.rows).toEqual([]);
  });

  it('shows nothing at all when no tenant is set', async () => {
    const { rows } = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE dp_app');
      return tx.query('SELECT * FROM audit_events');
    });
    expect(rows).toEqual([]);
  });

  it('cannot be switched off from inside the scope', async () => {
    await expect(
      asAcme('ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY'),
    ).rejects.toThrow(/must be owner/);
  });

  it("holds the job system's own queries to the tenant", async () => {
    const scoped = tenantScopedDatabase(db, 'acme');
    expect(await jobQueries.findForTenant(scoped, 'globex', JOB.globex)).toBe(
      null,
    );
    const found = await jobQueries.findForTenant(scoped, 'acme', JOB.acme);
    expect(found?.id).toBe(JOB.acme);
  });

  it('lets platform work see every tenant', async () => {
    const { rows } = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE dp_app');
      await tx.query("SELECT set_config('app.platform', 'on', true)");
      return tx.query<{ tenant_id: string }>(
        'SELECT tenant_id FROM export_jobs ORDER BY tenant_id',
      );
    });
    expect(rows.map((r) => r.tenant_id)).toEqual(['acme', 'globex']);
  });
});
