import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  inTenantScope,
  openAppLogin,
  tenantScopedDatabase,
  type Database,
} from '../../src/db/index.js';
import { jobQueries } from '../../src/jobs/index.js';
import {
  BACKENDS,
  DATABASE_URL,
  createAppLogin,
  disposeTestDatabase,
  openTestDatabase,
} from '../support/db.js';

const JOB = {
  acme: '00000000-0000-4000-8000-00000000000a',
  globex: '00000000-0000-4000-8000-00000000000b',
};

/** Two tenants, each with one audit event and one export job. */
async function seedTwoTenants(db: Database): Promise<void> {
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
}

describe.each(BACKENDS)('row-level security on %s', (backend) => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase(backend, 'rls');
    await seedTwoTenants(db);
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

describe.runIf(DATABASE_URL)("the application's own login on postgres", () => {
  let db: Database;
  let login: Awaited<ReturnType<typeof createAppLogin>>;
  let client: pg.Client;

  beforeAll(async () => {
    db = await openTestDatabase('postgres', 'rlslogin');
    await seedTwoTenants(db);
    login = await createAppLogin();
    client = new pg.Client({
      connectionString: login.url,
      options: `-c search_path=${db.schema}`,
    });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    if (db) await disposeTestDatabase(db);
    await login?.drop();
  });

  /** Runs statements in one transaction of the login, answering the last. */
  async function inLogin(...statements: string[]) {
    await client.query('BEGIN');
    try {
      let rows: Record<string, unknown>[] = [];
      for (const sql of statements) rows = (await client.query(sql)).rows;
      return rows;
    } finally {
      await client.query('ROLLBACK');
    }
  }

  it('sees no row at all without a tenant, even after RESET ROLE', async () => {
    for (const table of ['audit_events', 'export_jobs', 'api_tokens']) {
      expect(
        await inLogin('RESET ROLE', `SELECT * FROM ${table}`),
        table,
      ).toEqual([]);
    }
  });

  it("sees only its transaction's tenant when it forgets the filter", async () => {
    const rows = await inLogin(
      "SELECT set_config('app.tenant_id', 'acme', true)",
      'SELECT tenant_id FROM export_jobs',
    );
    expect(rows).toEqual([{ tenant_id: 'acme' }]);
  });

  it('cannot claim the platform scope by setting it', async () => {
    const rows = await inLogin(
      "SELECT set_config('app.platform', 'on', true)",
      'SELECT tenant_id FROM export_jobs',
    );
    expect(rows).toEqual([]);
  });

  it('cannot become another role, nor switch the policies off', async () => {
    await expect(inLogin('SET ROLE postgres')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      inLogin('ALTER TABLE export_jobs DISABLE ROW LEVEL SECURITY'),
    ).rejects.toThrow(/must be owner/);
    await expect(
      inLogin('SET row_security = off', 'SELECT * FROM export_jobs'),
    ).rejects.toThrow(/row-level security/);
  });

  it('is accepted by openAppLogin, and the owner login is refused', async () => {
    const app = await openAppLogin(login.url, db.schema);
    await app.close();
    await expect(openAppLogin(DATABASE_URL ?? '', db.schema)).rejects.toThrow(
      /is a superuser and so is not held by row-level security/,
    );
  });

  it.each([
    [
      'a member of dp_platform too',
      { grants: ['dp_platform'] },
      /is a member of dp_platform besides dp_app/,
    ],
    [
      'a member of the owner too',
      { grants: ['postgres'] },
      /is a member of postgres besides dp_app/,
    ],
    ['able to create roles', { flags: 'CREATEROLE' }, /has CREATEROLE/],
    [
      'logged in to another database',
      { database: 'template1' },
      /without the product's tables/,
    ],
  ])('refuses a login that is %s', async (_name, options, reason) => {
    const login = await createAppLogin(options);
    try {
      await expect(openAppLogin(login.url, db.schema)).rejects.toThrow(reason);
    } finally {
      await login.drop();
    }
  });

  it('refuses a login that is not a member of dp_app', async () => {
    const outsider = await createAppLogin({ member: false });
    try {
      await expect(openAppLogin(outsider.url, db.schema)).rejects.toThrow(
        `is not a member of dp_app; run GRANT dp_app TO ${outsider.name}`,
      );
    } finally {
      await outsider.drop();
    }
  });
});
