import { PackagerError } from '../domain/index.js';
import { openDatabase, type Database, type Queryable } from './database.js';

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

/**
 * Opens the application's own login (DATABASE_APP_URL) on the migrated
 * schema and makes sure it is what docs/security.md asks for: a member of
 * APP_ROLE that is neither a superuser nor BYPASSRLS and owns no table,
 * so that row-level security holds for it even after a RESET ROLE.
 */
export async function openAppLogin(
  url: string,
  schema: string,
): Promise<Database> {
  const db = await openDatabase({
    url,
    dataDir: 'memory://',
    schema,
    createSchema: false,
  });
  try {
    const { rows } = await db.query<{
      login: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcreaterole: boolean;
      member: boolean;
      owned: number;
      others: string[];
      tables: boolean;
    }>(
      `SELECT r.rolname AS login, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
              pg_has_role(current_user, $1, 'MEMBER') AS member,
              (SELECT count(*)::int FROM pg_tables
                WHERE schemaname = $2 AND tableowner = current_user) AS owned,
              ARRAY(SELECT o.rolname::text FROM pg_roles o
                     WHERE o.rolname NOT IN (current_user, $1)
                       AND o.rolname NOT LIKE 'pg\\_%'
                       AND pg_has_role(current_user, o.oid, 'MEMBER')
                     ORDER BY o.rolname) AS others,
              EXISTS (SELECT FROM pg_tables WHERE schemaname = $2
                        AND tablename = 'export_jobs') AS tables
         FROM pg_roles r WHERE r.rolname = current_user`,
      [APP_ROLE, schema],
    );
    const login = rows[0];
    if (!login) throw new Error('the login has no role row');
    const name = JSON.stringify(login.login);
    const why = login.rolsuper
      ? 'is a superuser'
      : login.rolbypassrls
        ? 'has BYPASSRLS'
        : login.rolcreaterole
          ? 'has CREATEROLE (it could grant itself any role)'
          : login.owned > 0
            ? `owns ${login.owned} of the product's tables`
            : login.others.length > 0
              ? `is a member of ${login.others.join(', ')} besides ${APP_ROLE}`
              : null;
    if (why) {
      throw new PackagerError(
        'DP_CONFIG_INVALID',
        `DATABASE_APP_URL logs in as ${name}, which ${why} and so is not ` +
          'held by row-level security; give it a role of its own, a ' +
          `member of ${APP_ROLE} only, as docs/security.md shows`,
      );
    }
    if (!login.member) {
      throw new PackagerError(
        'DP_CONFIG_INVALID',
        `DATABASE_APP_URL logs in as ${name}, which is not a member of ` +
          `${APP_ROLE}; run GRANT ${APP_ROLE} TO ${login.login}`,
      );
    }
    if (!login.tables) {
      throw new PackagerError(
        'DP_CONFIG_INVALID',
        `DATABASE_APP_URL logs in as ${name} to a database without the ` +
          `product's tables in schema ${schema}; it must name the same ` +
          'database as DATABASE_URL',
      );
    }
    return db;
  } catch (error) {
    await db.close();
    if (error instanceof PackagerError) throw error;
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      `DATABASE_APP_URL cannot be used: ${(error as Error).message}`,
    );
  }
}
