import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import type { Database } from './database.js';

// Resolves from both src/db (tests, tsx) and dist/db (the built package).
const MIGRATIONS_DIR = fileURLToPath(
  new URL('../../src/db/migrations', import.meta.url),
);

/** Brings the schema up to the newest migration; returns the versions run. */
export async function migrate(db: Database): Promise<number[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT current_database() AS name',
  );
  const postgrator = new Postgrator({
    migrationPattern: `${MIGRATIONS_DIR}/*.sql`,
    driver: 'pg',
    database: rows[0]?.name ?? 'postgres',
    schemaTable: `${db.schema}.schemaversion`,
    currentSchema: db.schema,
    execQuery: (query) => db.query(query),
    execSqlScript: async (script) => {
      await db.exec(script);
    },
  });
  const applied = await postgrator.migrate();
  return applied.map((migration) => migration.version);
}
