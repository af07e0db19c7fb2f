import type { Queryable } from '../db/index.js';
import type { QueueState } from '../telemetry/index.js';
import type {
  ArtifactKind,
  ExportJob,
  JobBundle,
  JobError,
  JobProgress,
  JobStatus,
  JobTransition,
  KindOutcome,
} from '../domain/index.js';
import type { TraceCarrier } from '../telemetry/index.js';

interface JobRow {
  id: string;
  tenant_id: string;
  status: JobStatus;
  artifacts: ArtifactKind[];
  window_from: Date;
  window_to: Date;
  requested_by: string;
  idempotency_key: string | null;
  request_hash: string;
  progress: JobProgress;
  counts: Partial<Record<ArtifactKind, number>>;
  kinds: Partial<Record<ArtifactKind, KindOutcome>>;
  warnings: string[];
  error: JobError | null;
  bundle: JobBundle | null;
  attempts: number;
  failed_attempts: number;
  max_attempts: number;
  next_attempt_at: Date | null;
  lease_epoch: number;
  lease_owner: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expired_at: Date | null;
  trace_context: TraceCarrier | null;
}

export interface NewJob {
  id: string;
  tenantId: string;
  artifacts: ArtifactKind[];
  windowFrom: Date;
  windowTo: Date;
  requestedBy: string;
  idempotencyKey: string | null;
  requestHash: string;
  maxAttempts: number;
  /** The creating request's trace context, when tracing is on. */
  traceContext?: TraceCarrier | null;
}

export interface StoredJob extends ExportJob {
  requestHash: string;
  /** Fencing token: raised by every claim; only its holder may write. */
  leaseEpoch: number;
  leaseOwner: string | null;
  /** The W3C trace context of the request that created the job. */
  traceContext: TraceCarrier | null;
}

/** A claimed attempt: the job as claimed and the lease that fences it. */
export interface Lease {
  jobId: string;
  tenantId: string;
  epoch: number;
  owner: string;
}

/** How a finished attempt ends the job: the fields it settles. */
export type JobOutcome = Pick<
  ExportJob,
  'progress' | 'counts' | 'kinds' | 'warnings' | 'error' | 'bundle'
> & { status: 'completed' | 'partial' | 'failed' };

/** A page of a tenant's jobs, newest first. */
export interface JobListQuery {
  tenantId: string;
  limit: number;
  statuses?: readonly JobStatus[];
  /** Jobs whose export window overlaps [from, to). */
  overlapping?: { from: Date; to: Date };
  /** Continue after this job (the last of the previous page). */
  after?: { createdAt: Date; id: string };
}

export const QUEUED: JobProgress = {
  stage: 'queued',
  kind: null,
  itemsDone: 0,
  itemsTotal: 0,
  bytesWritten: 0,
};

const LEASE_HELD = 'id = $1 AND lease_epoch = $2 AND status = $3';

/** Every statement on export_jobs, one named function each. */
export const jobQueries = {
  async insert(db: Queryable, job: NewJob): Promise<StoredJob> {
    const { rows } = await db.query<JobRow>(
      `INSERT INTO export_jobs (id, tenant_id, status, artifacts, window_from,
         window_to, requested_by, idempotency_key, request_hash, progress,
         max_attempts, trace_context)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING *`,
      [
        job.id,
        job.tenantId,
        JSON.stringify(job.artifacts),
        job.windowFrom,
        job.windowTo,
        job.requestedBy,
        job.idempotencyKey,
        job.requestHash,
        JSON.stringify(QUEUED),
        job.maxAttempts,
        job.traceContext ? JSON.stringify(job.traceContext) : null,
      ],
    );
    return toJob(rows[0] as JobRow);
  },

  /** A job of one tenant; another tenant's job is simply not found. */
  async findForTenant(
    db: Queryable,
    tenantId: string,
    id: string,
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      'SELECT * FROM export_jobs WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  async findByIdempotencyKey(
    db: Queryable,
    tenantId: string,
    key: string,
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      `SELECT * FROM export_jobs
       WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, key],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  async list(db: Queryable, q: JobListQuery): Promise<StoredJob[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [q.tenantId];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (q.statuses && q.statuses.length > 0) {
      where.push(`status = ANY(${param(q.statuses)}::text[])`);
    }
    if (q.overlapping) {
      where.push(`window_from < ${param(q.overlapping.to)}`);
      where.push(`window_to > ${param(q.overlapping.from)}`);
    }
    if (q.after) {
      const at = param(q.after.createdAt);
      const id = param(q.after.id);
      where.push(`(created_at < ${at} OR (created_at = ${at} AND id > ${id}))`);
    }
    const { rows } = await db.query<JobRow>(
      `SELECT * FROM export_jobs WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id LIMIT ${param(q.limit)}`,
      params,
    );
    return rows.map(toJob);
  },

  /**
   * The tenant's pending and running jobs, counted under a lock on the
   * tenant that lasts until the transaction ends, so that two requests
   * cannot both take the last place. The lock is an advisory one: the
   * tenant-scoped role may read tenants, not lock their rows.
   */
  async countActive(db: Queryable, tenantId: string): Promise<number> {
    await db.query(
      "SELECT pg_advisory_xact_lock(hashtextextended('dp.tenant:' || $1, 0))",
      [tenantId],
    );
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM export_jobs
       WHERE tenant_id = $1 AND status IN ('pending', 'running')`,
      [tenantId],
    );
    return rows[0]?.n ?? 0;
  },

  async transitions(db: Queryable, id: string): Promise<JobTransition[]> {
    const { rows } = await db.query<{
      from_status: JobStatus | null;
      to_status: JobStatus;
      attempt: number;
      reason: string | null;
      at: Date;
    }>(
      `SELECT from_status, to_status, attempt, reason, at
       FROM export_job_transitions WHERE job_id = $1 ORDER BY seq`,
      [id],
    );
    return rows.map((r) => ({
      from: r.from_status,
      to: r.to_status,
      attempt: r.attempt,
      reason: r.reason,
      at: r.at,
    }));
  },

  /**
   * Takes a pending job whose retry time has come: it becomes running under
   * a new lease epoch held by `owner` until `leaseMs` from now. Null when
   * the job is not there to take (finished, cancelled, running elsewhere,
   * waiting for its retry, or another tenant's).
   */
  async claim(
    db: Queryable,
    tenantId: string,
    id: string,
    owner: string,
    leaseMs: number,
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'running', attempts = attempts + 1,
         lease_owner = $3, lease_epoch = lease_epoch + 1,
         lease_expires_at = clock_timestamp() + $4 * interval '1 millisecond',
         started_at = coalesce(started_at, now()), next_attempt_at = NULL,
         error = NULL, progress = $5, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status = 'pending'
         AND (next_attempt_at IS NULL OR next_attempt_at <= clock_timestamp())
       RETURNING *`,
      [
        tenantId,
        id,
        owner,
        leaseMs,
        JSON.stringify({ ...QUEUED, attemptStartedAt: new Date() }),
      ],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  /**
   * Extends a lease. False when it is no longer held: the job was
   * cancelled, or its lease expired and another attempt took it.
   */
  async heartbeat(
    db: Queryable,
    lease: Lease,
    leaseMs: number,
  ): Promise<boolean> {
    const { rows } = await db.query(
      `UPDATE export_jobs SET
         lease_expires_at = clock_timestamp() + $4 * interval '1 millisecond'
       WHERE ${LEASE_HELD} RETURNING id`,
      [lease.jobId, lease.epoch, 'running', leaseMs],
    );
    return rows.length > 0;
  },

  /** Saves progress, only while the lease is held. */
  async saveProgress(
    db: Queryable,
    lease: Lease,
    progress: JobProgress,
    kinds: Partial<Record<ArtifactKind, KindOutcome>>,
  ): Promise<void> {
    await db.query(
      `UPDATE export_jobs SET progress = $4, kinds = $5, updated_at = now()
       WHERE ${LEASE_HELD}`,
      [
        lease.jobId,
        lease.epoch,
        'running',
        JSON.stringify(progress),
        JSON.stringify(kinds),
      ],
    );
  },

  /**
   * Locks the job row while `lease` still holds it, for the publishing
   * step; false when the lease is gone, in which case nothing may be
   * published. Only inside a transaction.
   */
  async lockHeld(tx: Queryable, lease: Lease): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT id FROM export_jobs WHERE ${LEASE_HELD} FOR UPDATE`,
      [lease.jobId, lease.epoch, 'running'],
    );
    return rows.length > 0;
  },

  /** Ends the job, only while `lease` holds it; false when it did not. */
  async finish(
    db: Queryable,
    lease: Lease,
    outcome: JobOutcome,
  ): Promise<boolean> {
    const { rows } = await db.query(
      `UPDATE export_jobs SET status = $4, progress = $5, counts = $6,
         kinds = $7, warnings = $8, error = $9, bundle = $10,
         failed_attempts = failed_attempts
           + CASE WHEN $4 = 'failed' THEN 1 ELSE 0 END,
         lease_owner = NULL, lease_expires_at = NULL,
         finished_at = now(), updated_at = now()
       WHERE ${LEASE_HELD} RETURNING id`,
      [
        lease.jobId,
        lease.epoch,
        'running',
        outcome.status,
        JSON.stringify(outcome.progress),
        JSON.stringify(outcome.counts),
        JSON.stringify(outcome.kinds),
        JSON.stringify(outcome.warnings),
        outcome.error ? JSON.stringify(outcome.error) : null,
        outcome.bundle ? JSON.stringify(outcome.bundle) : null,
      ],
    );
    return rows.length > 0;
  },

  /**
   * Gives an attempt back: the job is pending again, to start no earlier
   * than `delayMs` from now. A transient failure counts against the job's
   * attempts (`failed`); a worker shutting down does not.
   */
  async release(
    db: Queryable,
    lease: Lease,
    how: { delayMs: number; error: JobError | null; failed: boolean },
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'pending', error = $4,
         next_attempt_at = clock_timestamp() + $5 * interval '1 millisecond',
         failed_attempts = failed_attempts + $6,
         lease_owner = NULL, lease_expires_at = NULL,
         progress = $7, updated_at = now()
       WHERE ${LEASE_HELD} RETURNING *`,
      [
        lease.jobId,
        lease.epoch,
        'running',
        how.error ? JSON.stringify(how.error) : null,
        how.delayMs,
        how.failed ? 1 : 0,
        JSON.stringify(QUEUED),
      ],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  /**
   * Running jobs whose lease ran out (their worker died or hung): back to
   * pending while attempts remain, else failed. Answers the jobs that went
   * back to pending, to be enqueued again.
   */
  async reapExpired(
    db: Queryable,
    lost: JobError,
  ): Promise<{ requeued: StoredJob[]; failed: StoredJob[] }> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET
         status = CASE WHEN failed_attempts + 1 < max_attempts
                       THEN 'pending' ELSE 'failed' END,
         finished_at = CASE WHEN failed_attempts + 1 < max_attempts
                            THEN NULL ELSE now() END,
         failed_attempts = failed_attempts + 1,
         error = $1, lease_owner = NULL, lease_expires_at = NULL,
         next_attempt_at = NULL, progress = $2, updated_at = now()
       WHERE id IN (
         SELECT id FROM export_jobs
         WHERE status = 'running' AND lease_expires_at < clock_timestamp()
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [JSON.stringify(lost), JSON.stringify(QUEUED)],
    );
    const jobs = rows.map(toJob);
    return {
      requeued: jobs.filter((j) => j.status === 'pending'),
      failed: jobs.filter((j) => j.status === 'failed'),
    };
  },

  /**
   * Cancels a pending or running job. A running attempt sees its lease
   * gone at its next heartbeat and stops. Null when the job was not
   * pending or running.
   */
  async cancel(
    db: Queryable,
    tenantId: string,
    id: string,
    error: JobError,
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'cancelled', error = $3,
         lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL,
         finished_at = now(), updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status IN ('pending', 'running')
       RETURNING *`,
      [tenantId, id, JSON.stringify(error)],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  /**
   * Sends a failed or cancelled job back to pending for a new attempt,
   * with a fresh allowance of `maxAttempts` attempts.
   */
  async retry(
    db: Queryable,
    tenantId: string,
    id: string,
    maxAttempts: number,
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'pending', error = NULL, bundle = NULL,
         warnings = '[]', counts = '{}', kinds = '{}', progress = $3,
         failed_attempts = 0, max_attempts = $4, next_attempt_at = NULL,
         finished_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status IN ('failed', 'cancelled')
       RETURNING *`,
      [tenantId, id, JSON.stringify(QUEUED), maxAttempts],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  /**
   * Puts every running job back to pending. Only for a process that knows
   * it is the only worker (the embedded default), at start-up: any job
   * still running then was cut off by the death of the previous process.
   */
  async requeueRunning(db: Queryable, lost: JobError): Promise<StoredJob[]> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'pending', progress = $1, error = $2,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE status = 'running'
       RETURNING *`,
      [JSON.stringify(QUEUED), JSON.stringify(lost)],
    );
    return rows.map(toJob);
  },

  /**
   * Pending and running jobs of every tenant, for the queue gauges. The
   * partial index export_jobs_active keeps it cheap however many finished
   * jobs the table holds.
   */
  async queueState(db: Queryable): Promise<QueueState> {
    const { rows } = await db.query<{
      pending: number;
      running: number;
      oldest: number | null;
    }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
         count(*) FILTER (WHERE status = 'running')::int AS running,
         extract(epoch FROM now() - min(created_at)
           FILTER (WHERE status = 'pending'))::float8 AS oldest
       FROM export_jobs WHERE status IN ('pending', 'running')`,
    );
    const row = rows[0];
    return {
      pending: row?.pending ?? 0,
      running: row?.running ?? 0,
      oldestPendingSeconds: Math.max(0, row?.oldest ?? 0),
    };
  },

  /**
   * Published jobs (completed or partial) older than their tenant's
   * retention: `days` by default, `byTenant` where a tenant has its own.
   * Oldest first.
   */
  async pastRetention(
    db: Queryable,
    at: Date,
    retention: { days: number; byTenant: Record<string, number> },
    limit: number,
  ): Promise<StoredJob[]> {
    const { rows } = await db.query<JobRow>(
      `SELECT * FROM export_jobs
       WHERE status IN ('completed', 'partial')
         AND finished_at < $1::timestamptz - interval '1 day'
           * coalesce(($2::jsonb ->> tenant_id)::int, $3)
       ORDER BY finished_at, id LIMIT $4`,
      [at, JSON.stringify(retention.byTenant), retention.days, limit],
    );
    return rows.map(toJob);
  },

  /** Marks a published job expired; false when it was not published. */
  async expire(db: Queryable, id: string): Promise<boolean> {
    const { rows } = await db.query(
      `UPDATE export_jobs SET status = 'expired', expired_at = now(),
         bundle = bundle - 'signature', updated_at = now()
       WHERE id = $1 AND status IN ('completed', 'partial') RETURNING id`,
      [id],
    );
    return rows.length > 0;
  },

  /** The status of each of these jobs that still exists. */
  async statuses(
    db: Queryable,
    ids: readonly string[],
  ): Promise<Map<string, { status: JobStatus; epoch: number }>> {
    const { rows } = await db.query<{
      id: string;
      status: JobStatus;
      lease_epoch: number;
    }>('SELECT id, status, lease_epoch FROM export_jobs WHERE id = ANY($1)', [
      ids,
    ]);
    return new Map(
      rows.map((r) => [r.id, { status: r.status, epoch: r.lease_epoch }]),
    );
  },
};

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status,
    artifacts: row.artifacts,
    windowFrom: row.window_from,
    windowTo: row.window_to,
    requestedBy: row.requested_by,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    progress: row.progress,
    counts: row.counts,
    kinds: row.kinds,
    warnings: row.warnings,
    error: row.error,
    bundle: row.bundle,
    attempts: row.attempts,
    failedAttempts: row.failed_attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseEpoch: row.lease_epoch,
    leaseOwner: row.lease_owner,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    expiredAt: row.expired_at ?? null,
    traceContext: row.trace_context ?? null,
  };
}
