import type { Queryable } from '../db/index.js';
import type {
  ArtifactKind,
  ExportJob,
  JobBundle,
  JobError,
  JobProgress,
  JobStatus,
} from '../domain/index.js';

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
  warnings: string[];
  error: JobError | null;
  bundle: JobBundle | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
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
}

export interface StoredJob extends ExportJob {
  requestHash: string;
}

const QUEUED: JobProgress = {
  stage: 'queued',
  itemsDone: 0,
  itemsTotal: 0,
  bytesWritten: 0,
};

/** Every statement on export_jobs, one named function each. */
export const jobQueries = {
  async insert(db: Queryable, job: NewJob): Promise<StoredJob> {
    const { rows } = await db.query<JobRow>(
      `INSERT INTO export_jobs (id, tenant_id, status, artifacts, window_from,
         window_to, requested_by, idempotency_key, request_hash, progress)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9)
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

  async listForTenant(
    db: Queryable,
    tenantId: string,
    limit: number,
  ): Promise<StoredJob[]> {
    const { rows } = await db.query<JobRow>(
      `SELECT * FROM export_jobs WHERE tenant_id = $1
       ORDER BY created_at DESC, id LIMIT $2`,
      [tenantId, limit],
    );
    return rows.map(toJob);
  },

  /** Moves a pending job to running; null when it was not pending. */
  async start(
    db: Queryable,
    tenantId: string,
    id: string,
  ): Promise<StoredJob | null> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'running', attempts = attempts + 1,
         started_at = coalesce(started_at, now()), updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status IN ('pending', 'running')
       RETURNING *`,
      [tenantId, id],
    );
    return rows[0] ? toJob(rows[0]) : null;
  },

  /**
   * Puts every running job back to pending. Only for a process that knows
   * it is the only worker (the embedded default), at start-up: any job
   * still running then was cut off by the death of the previous process.
   */
  async requeueRunning(db: Queryable): Promise<StoredJob[]> {
    const { rows } = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'pending', progress = $1,
         updated_at = now()
       WHERE status = 'running'
       RETURNING *`,
      [JSON.stringify(QUEUED)],
    );
    return rows.map(toJob);
  },

  async saveProgress(
    db: Queryable,
    id: string,
    progress: JobProgress,
  ): Promise<void> {
    await db.query(
      `UPDATE export_jobs SET progress = $2, updated_at = now()
       WHERE id = $1 AND status = 'running'`,
      [id, JSON.stringify(progress)],
    );
  },

  async finish(
    db: Queryable,
    id: string,
    outcome: {
      status: 'completed' | 'partial' | 'failed';
      progress: JobProgress;
      counts: Partial<Record<ArtifactKind, number>>;
      warnings: string[];
      error: JobError | null;
      bundle: JobBundle | null;
    },
  ): Promise<void> {
    await db.query(
      `UPDATE export_jobs SET status = $2, progress = $3, counts = $4,
         warnings = $5, error = $6, bundle = $7, finished_at = now(),
         updated_at = now()
       WHERE id = $1 AND status = 'running'`,
      [
        id,
        outcome.status,
        JSON.stringify(outcome.progress),
        JSON.stringify(outcome.counts),
        JSON.stringify(outcome.warnings),
        outcome.error ? JSON.stringify(outcome.error) : null,
        outcome.bundle ? JSON.stringify(outcome.bundle) : null,
      ],
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
    warnings: row.warnings,
    error: row.error,
    bundle: row.bundle,
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
