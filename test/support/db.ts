import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../../src/db/index.js';

/** The real server when DATABASE_URL is set (always in CI), else none. */
export const DATABASE_URL = process.env.DATABASE_URL || undefined;

/** Backends a data-layer test runs on: PGlite always, PostgreSQL when set. */
export const BACKENDS: ('pglite' | 'postgres')[] = DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

/** A fresh schema name, so test files never see each other's rows. */
export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Opens and migrates a throw-away database on the chosen backend. */
export async function openTestDatabase(
  backend: 'pglite' | 'postgres',
  prefix: string,
): Promise<Database> {
  const db = await openDatabase({
    url: backend === 'postgres' ? DATABASE_URL : undefined,
    dataDir: 'memory://',
    schema: uniqueSchema(prefix),
  });
  await migrate(db);
  return db;
}

/** Closes a test database, dropping its schemas on the real server. */
export async function disposeTestDatabase(db: Database): Promise<void> {
  await db.close();
  if (db.kind === 'postgres') await dropSchemas(db.schema);
}

/** Drops a schema and its queue schema; safe when they do not exist. */
export async function dropSchemas(schema: string): Promise<void> {
  if (!DATABASE_URL) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * A login role of the application's own kind (docs/security.md): a member
 * of dp_app that owns nothing. Roles are cluster-wide, so each test makes
 * one with a random name and drops it afterwards. Needs DATABASE_URL.
 */
export async function createAppLogin(
  options: {
    member?: boolean;
    /** CREATE ROLE options beside LOGIN, such as CREATEROLE. */
    flags?: string;
    /** Roles granted besides dp_app. */
    grants?: string[];
    database?: string;
  } = {},
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!DATABASE_URL) throw new Error('an application login needs DATABASE_URL');
  const name = `dp_login_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(
    `CREATE ROLE ${name} LOGIN NOSUPERUSER NOBYPASSRLS ${options.flags ?? ''}` +
      ((options.member ?? true) ? ' IN ROLE dp_app' : ''),
  );
  for (const role of options.grants ?? []) {
    await admin(`GRANT ${role} TO ${name}`);
  }
  const url = new URL(DATABASE_URL);
  url.username = name;
  url.password = '';
  if (options.database) url.pathname = `/${options.database}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(`DROP ROLE IF EXISTS ${name}`),
  };
}
