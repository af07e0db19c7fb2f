import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import {
  JOB_STATUSES,
  canTransition,
  type JobStatus,
} from '../../src/domain/index.js';
import { jobQueries } from '../../src/jobs/index.js';
import {
  BACKENDS,
  disposeTestDatabase,
  openTestDatabase,
} from '../support/db.js';

// Legal paths from a new job to each status.
const PATHS: Record<JobStatus, JobStatus[]> = {
  pending: [],
  running: ['running'],
  completed: ['running', 'completed'],
  partial: ['running', 'partial'],
  failed: ['running', 'failed'],
  cancelled: ['cancelled'],
  expired: ['running', 'completed', 'expired'],
};

describe.each(BACKENDS)('the export_jobs table on %s', (backend) => {
  let db: Database;
  let n = 0;

  beforeAll(async () => {
    db = await openTestDatabase(backend, 'jobsdb');
    await db.query(
      "INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')",
    );
  });
  afterAll(async () => {
    if (db) await disposeTestDatabase(db);
  });

  async function aJob(status: JobStatus, tenantId = 'acme'): Promise<string> {
    n += 1;
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    await jobQueries.insert(db, {
      id,
      tenantId,
      artifacts: ['sboms'],
      windowFrom: new Date('2026-01-01T00:00:00Z'),
      windowTo: new Date('2026-02-01T00:00:00Z'),
      requestedBy: 'alice',
      idempotencyKey: null,
      requestHash: 'h',
      maxAttempts: 3,
    });
    for (const step of PATHS[status]) {
      await db.query('UPDATE export_jobs SET status = $2 WHERE id = $1', [
        id,
        step,
      ]);
    }
    return id;
  }

  const pairs = JOB_STATUSES.flatMap((from) =>
    JOB_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
  );

  it.each(pairs)(
    'allows %s → %s exactly when the domain table does',
    async (from, to) => {
      const id = await aJob(from);
      const attempt = db.query(
        'UPDATE export_jobs SET status = $2 WHERE id = $1',
        [id, to],
      );
      if (canTransition(from, to)) {
        await attempt;
        const history = await jobQueries.transitions(db, id);
        expect(history.at(-1)).toMatchObject({ from, to });
      } else {
        await expect(attempt).rejects.toThrow(
          `illegal export job transition ${from} -> ${to}`,
        );
      }
    },
  );

  it('refuses a job that does not start pending', async () => {
    await expect(
      db.query(
        `INSERT INTO export_jobs (id, tenant_id, status, artifacts, window_from,
           window_to, requested_by, request_hash, progress)
         VALUES ('x', 'acme', 'completed', '[]', now(), now() + interval '1 day',
           'a', 'h', '{}')`,
      ),
    ).rejects.toThrow('an export job starts pending, not completed');
  });

  it('lets only the lease holder heartbeat, save or finish, and one claim win', async () => {
    const id = await aJob('pending');
    const [first, second] = await Promise.all([
      jobQueries.claim(db, 'acme', id, 'w1', 10_000),
      jobQueries.claim(db, 'acme', id, 'w2', 10_000),
    ]);
    const winner = first ?? second;
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(winner?.leaseEpoch).toBe(1);
    const held = {
      jobId: id,
      tenantId: 'acme',
      epoch: 1,
      owner: winner?.leaseOwner ?? '',
    };
    const stale = { ...held, epoch: 0 };
    expect(await jobQueries.heartbeat(db, held, 10_000)).toBe(true);
    expect(await jobQueries.heartbeat(db, stale, 10_000)).toBe(false);
    const outcome = {
      status: 'completed' as const,
      progress: {
        stage: 'done' as const,
        itemsDone: 0,
        itemsTotal: 0,
        bytesWritten: 0,
      },
      counts: {},
      kinds: {},
      warnings: [],
      error: null,
      bundle: null,
    };
    expect(await jobQueries.finish(db, stale, outcome)).toBe(false);
    expect(await jobQueries.finish(db, held, outcome)).toBe(true);
    expect(await jobQueries.heartbeat(db, held, 10_000)).toBe(false);
  });

  it('claims only within the tenant', async () => {
    const id = await aJob('pending', 'globex');
    expect(await jobQueries.claim(db, 'acme', id, 'w', 1000)).toBeNull();
    expect(await jobQueries.claim(db, 'globex', id, 'w', 1000)).not.toBeNull();
  });

  it('reaps an expired lease back to pending, and fails a job out of attempts', async () => {
    const alive = await aJob('pending');
    const spent = await aJob('pending');
    const lingering = await aJob('pending');
    await db.query('UPDATE export_jobs SET max_attempts = 1 WHERE id = $1', [
      spent,
    ]);
    await jobQueries.claim(db, 'acme', alive, 'dead', 1);
    await jobQueries.claim(db, 'acme', spent, 'dead', 1);
    await jobQueries.claim(db, 'acme', lingering, 'alive', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lost = { code: 'DP_WORKER_LOST', message: 'gone' };
    const reaped = await jobQueries.reapExpired(db, lost);
    expect(reaped.requeued.map((j) => j.id)).toContain(alive);
    expect(reaped.failed.map((j) => j.id)).toContain(spent);
    const ids = [...reaped.requeued, ...reaped.failed].map((j) => j.id);
    expect(ids).not.toContain(lingering);
    const history = await jobQueries.transitions(db, alive);
    expect(history.at(-1)).toMatchObject({
      from: 'running',
      to: 'pending',
      reason: 'DP_WORKER_LOST',
    });
  });
});
