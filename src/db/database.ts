import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { claimDataDir } from './lock.js';

/** Anything that runs a parameterised statement: a pool or a transaction. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: R[] }>;
}

/**
 * The product's one view of PostgreSQL, served either by a real server
 * (`pg` pool) or by PGlite in-process. Both speak the same SQL.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** The schema every table lives in. */
  readonly schema: string;
  /**
   * Runs a script of one or more statements without parameters; answers
   * the rows of the last statement.
   */
  exec(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite data directory, or `memory://` for a throw-away database. */
  dataDir: string;
  /** Schema for the product's tables (tests use one per file). */
  schema?: string;
  poolSize?: number;
  /**
   * Create the schema when it is missing (the default). A login that may
   * not create schemas, such as the application's own, opens with false.
   */
  createSchema?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the configured database and makes sure its schema exists. */
export async function openDatabase(
  options: DatabaseOptions,
): Promise<Database> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  }
  const db = options.url
    ? await openPostgres(
        options.url,
        schema,
        options.poolSize ?? 10,
        options.createSchema ?? true,
      )
    : await openPglite(options.dataDir, schema);
  return db;
}

async function openPostgres(
  url: string,
  schema: string,
  max: number,
  createSchema: boolean,
): Promise<Database> {
  // Create the schema first, on a short-lived connection, so that every
  // pooled connection can start with it on its search path.
  if (createSchema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max,
    options: `-c search_path=${schema}`,
    // A dead server or a cut connection must surface as an error that the
    // job system can retry, not as a wait without end.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    schema,
    query: async <R extends object>(text: string, params?: unknown[]) => {
      const result = await pool.query(text, params);
      return { rows: result.rows as R[] };
    },
    exec: async (sql) => {
      // pg answers an array of results for a multi-statement script.
      const result = (await pool.query(sql)) as unknown as
        pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result) ? result.at(-1) : result;
      return { rows: (last?.rows ?? []) as Record<string, unknown>[] };
    },
    transaction: async (work) => {
      const client = await pool.connect();
      let broken = false;
      // A checked-out client has lost the pool's error listener: a cut
      // between two statements would otherwise crash the process. The next
      // statement then fails, and the transaction with it.
      const lost = () => {
        broken = true;
      };
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          query: async <R extends object>(text: string, params?: unknown[]) => {
            const result = await client.query(text, params);
            return { rows: result.rows as R[] };
          },
        };
        const value = await work(tx);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        // A connection that cannot even roll back is broken: destroy it
        // rather than hand it back to the pool.
        broken =
          broken ||
          (await client.query('ROLLBACK').then(
            () => false,
            () => true,
          ));
        throw error;
      } finally {
        client.off('error', lost);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string, schema: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const release = inMemory ? () => undefined : claimDataDir(dataDir);
  let lite: PGlite;
  try {
    lite = await PGlite.create(dataDir);
  } catch (error) {
    release();
    throw error;
  }
  await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await lite.exec(`SET search_path TO ${schema}`);
  return {
    kind: 'pglite',
    schema,
    query: async <R extends object>(text: string, params?: unknown[]) => {
      const result = await lite.query<R>(text, params);
      return { rows: result.rows };
    },
    exec: async (sql) => {
      const results = await lite.exec(sql);
      return {
        rows: results.at(-1)?.rows ?? [],
      };
    },
    transaction: (work) =>
      lite.transaction((tx) =>
        work({
          query: async <R extends object>(text: string, params?: unknown[]) => {
            const result = await tx.query<R>(text, params);
            return { rows: result.rows };
          },
        }),
      ),
    close: async () => {
      await lite.close();
      release();
    },
  };
}
