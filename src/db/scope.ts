import type { Database, Queryable } from './database.js';

/** The role whose sessions row-level security holds to one tenant. */
export const APP_ROLE = 'dp_app';

/**
 * Opens a transaction under APP_ROLE with the tenant set for it alone
 * (SET LOCAL), so that the policies of migration 005 let through only
 * that tenant's rows, whatever the statements inside ask for.
 */
export async function inTenantScope<T>(
  db: Database,
  tenantId: string,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${APP_ROLE}`);
    await tx.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    return work(tx);
  });
}

/**
 * A view of the database in which every statement and transaction runs in
 * one tenant's scope: code handed it (a JobService, an EvidenceStore)
 * cannot reach another tenant's rows even if it forgets a filter.
 */
export function tenantScopedDatabase(db: Database, tenantId: string): Database {
  return {
    kind: db.kind,
    schema: db.schema,
    query: (text, params) =>
      inTenantScope(db, tenantId, (tx) => tx.query(text, params)),
    exec: () =>
      Promise.reject(
        new Error('scripts are not run in a tenant scope; use query'),
      ),
    transaction: (work) => inTenantScope(db, tenantId, work),
    close: () =>
      Promise.reject(new Error('a tenant scope does not own the database')),
  };
}

/**
 * Lets APP_ROLE use the queue's tables, so that a tenant-scoped
 * transaction can enqueue its export with the job row. pg-boss makes its
 * schema after the migrations run, so this is done once the queue exists.
 */
export async function grantQueueToAppRole(
  db: Database,
  queueSchema: string,
): Promise<void> {
  await db.exec(
    `GRANT USAGE ON SCHEMA ${queueSchema} TO ${APP_ROLE};
     GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${queueSchema}
       TO ${APP_ROLE};
     GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${queueSchema}
       TO ${APP_ROLE};`,
  );
}
