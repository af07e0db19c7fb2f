import PgBoss from 'pg-boss';
import type { Database, Queryable } from '../db/index.js';

export const EXPORT_QUEUE = 'disclosure-export';

/** What a queue message carries: ids only; the job row is the record. */
export interface ExportMessage {
  jobId: string;
  tenantId: string;
}

/** pg-boss's own tables live beside ours, in a schema of their own. */
export function queueSchemaOf(db: Database): string {
  return db.schema === 'public' ? 'pgboss' : `${db.schema}_pgboss`;
}

/**
 * Adapts a connection to pg-boss. pg-boss sends multi-statement scripts
 * without parameters; PGlite accepts those only through `exec`, so those
 * go there and everything else through a parameterised query.
 */
function toBossDb(db: Database, conn: Queryable = db): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[] = []) => {
      if (values.length === 0 && db.kind === 'pglite' && conn === db) {
        return db.exec(text);
      }
      return conn.query(text, values);
    },
  };
}

/** Starts the queue on the product's database and makes sure it exists. */
export async function startQueue(
  db: Database,
  onError: (error: Error) => void,
): Promise<PgBoss> {
  const boss = new PgBoss({
    db: toBossDb(db),
    schema: queueSchemaOf(db),
    // Sweeping and cron are not needed by an embedded single process;
    // `supervise` keeps expiry and archiving running.
    schedule: false,
  });
  boss.on('error', onError);
  await boss.start();
  await boss.createQueue(EXPORT_QUEUE);
  return boss;
}

/**
 * Enqueues an export inside the caller's transaction, so that a job row
 * never exists without its message, nor a message without its row.
 */
export async function enqueueExport(
  boss: PgBoss,
  db: Database,
  tx: Queryable,
  message: ExportMessage,
  delayMs = 0,
): Promise<void> {
  await boss.send(EXPORT_QUEUE, message, {
    db: toBossDb(db, tx),
    // The state of record is the job row, guarded by its lease; the worker
    // decides retries and sends a new message for each. A message is only
    // a wake-up call, so one that pg-boss expires or loses costs nothing
    // once the job's lease has run out: the reaper sends another.
    retryLimit: 0,
    expireInSeconds: MESSAGE_EXPIRY_SECONDS,
    ...(delayMs > 0 && { startAfter: Math.ceil(delayMs / 1000) }),
  });
}

// pg-boss refuses expiries of a day or more; the lease, not this, is what
// tells a dead worker from a slow one.
const MESSAGE_EXPIRY_SECONDS = 23 * 3600;

/**
 * Sends a message to any queue inside the caller's transaction, for
 * other modules' work that must commit or roll back with their rows.
 */
export async function sendInTransaction(
  boss: PgBoss,
  db: Database,
  tx: Queryable,
  queue: string,
  data: object,
  options: PgBoss.SendOptions = {},
): Promise<void> {
  await boss.send(queue, data, { ...options, db: toBossDb(db, tx) });
}
