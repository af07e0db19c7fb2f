import { createHash, randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { JobSettings } from '../config/index.js';
import type { Database, Queryable } from '../db/index.js';
import {
  ARTIFACT_KINDS,
  PackagerError,
  type ArtifactKind,
  type JobStatus,
  type JobTransition,
  type TimeWindow,
} from '../domain/index.js';
import { activeTraceCarrier, type Metrics } from '../telemetry/index.js';
import { enqueueExport } from './queue.js';
import { jobQueries, type StoredJob } from './repository.js';

export interface ExportJobRequest {
  tenantId: string;
  window: TimeWindow;
  artifacts: ArtifactKind[];
  requestedBy: string;
  idempotencyKey: string | null;
}

export interface CreatedJob {
  job: StoredJob;
  /** False when an earlier request with the same idempotency key answered. */
  created: boolean;
}

export interface JobPage {
  jobs: StoredJob[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface JobListOptions {
  limit?: number;
  cursor?: string;
  statuses?: JobStatus[];
  overlapping?: TimeWindow;
}

/** The limits the service enforces on requests (see JobSettings). */
export type ServiceLimits = Pick<
  JobSettings,
  'maxWindowDays' | 'maxActivePerTenant' | 'maxAttempts'
>;

export const DEFAULT_LIMITS: ServiceLimits = {
  maxWindowDays: 400,
  maxActivePerTenant: 5,
  maxAttempts: 5,
};

const DAY_MS = 24 * 3600 * 1000;

/** Creating, reading, listing, cancelling and retrying export jobs. */
export class JobService {
  constructor(
    private readonly db: Database,
    private readonly boss: PgBoss,
    private readonly limits: ServiceLimits = DEFAULT_LIMITS,
    private readonly metrics?: Metrics,
  ) {}

  /** Called once a job is committed, to wake in-process workers. */
  onEnqueued: () => void = () => undefined;

  /**
   * Records a pending job and enqueues it in one transaction. A repeated
   * idempotency key answers with the first job when the request is the same
   * and is refused when it differs. Refuses windows over the maximum length
   * and tenants already at their limit of unfinished jobs.
   */
  async createExport(request: ExportJobRequest): Promise<CreatedJob> {
    const artifacts = ARTIFACT_KINDS.filter((k) =>
      request.artifacts.includes(k),
    );
    const requestHash = hashRequest({ ...request, artifacts });
    const earlier = await this.findEarlier(request, requestHash);
    if (earlier) return { job: earlier, created: false };
    this.assertWindowLength(request.window);

    let job: StoredJob;
    try {
      job = await this.db.transaction(async (tx) => {
        await this.assertRoomFor(tx, request.tenantId);
        const inserted = await jobQueries.insert(tx, {
          id: randomUUID(),
          tenantId: request.tenantId,
          artifacts,
          windowFrom: request.window.from,
          windowTo: request.window.to,
          requestedBy: request.requestedBy,
          idempotencyKey: request.idempotencyKey,
          requestHash,
          maxAttempts: this.limits.maxAttempts,
          traceContext: activeTraceCarrier(),
        });
        await enqueueExport(this.boss, this.db, tx, {
          jobId: inserted.id,
          tenantId: inserted.tenantId,
        });
        return inserted;
      });
    } catch (error) {
      // Two requests with one new key raced: the loser answers as a replay.
      if (isUniqueViolation(error) && request.idempotencyKey) {
        const winner = await this.findEarlier(request, requestHash);
        if (winner) return { job: winner, created: false };
      }
      throw error;
    }
    this.metrics?.exportsRequested.inc({ tenant: job.tenantId });
    this.onEnqueued();
    return { job, created: true };
  }

  /**
   * Cancels a pending or running job. A running attempt stops at its next
   * heartbeat, publishing nothing. Cancelling a cancelled job is a no-op;
   * a finished one cannot be cancelled.
   */
  async cancel(tenantId: string, jobId: string): Promise<StoredJob> {
    const cancelled = await jobQueries.cancel(this.db, tenantId, jobId, {
      code: 'DP_JOB_CANCELLED',
      message: 'the export was cancelled on request',
    });
    if (cancelled) {
      this.metrics?.exportsTotal.inc({ status: 'cancelled', tenant: tenantId });
      return cancelled;
    }
    const job = await this.get(tenantId, jobId);
    if (job.status === 'cancelled') return job;
    throw new PackagerError(
      'DP_JOB_FINISHED',
      `job ${job.id} is already ${job.status}; there is nothing to cancel`,
    );
  }

  /** Runs a failed or cancelled job again, as a new attempt. */
  async retry(tenantId: string, jobId: string): Promise<StoredJob> {
    const job = await this.db.transaction(async (tx) => {
      const current = await jobQueries.findForTenant(tx, tenantId, jobId);
      if (current?.status === 'failed' || current?.status === 'cancelled') {
        await this.assertRoomFor(tx, tenantId);
      }
      const again = await jobQueries.retry(
        tx,
        tenantId,
        jobId,
        this.limits.maxAttempts,
      );
      if (again) {
        await enqueueExport(this.boss, this.db, tx, {
          jobId: again.id,
          tenantId: again.tenantId,
        });
      }
      return again;
    });
    if (job) {
      this.onEnqueued();
      return job;
    }
    const current = await this.get(tenantId, jobId);
    throw new PackagerError(
      'DP_JOB_NOT_RETRYABLE',
      `job ${current.id} is ${current.status}; only a failed or cancelled ` +
        'job can be retried',
    );
  }

  /**
   * Re-enqueues the jobs a dead process left running; answers how many.
   * Safe only where this process is the only worker (see requeueRunning).
   */
  async recoverInterrupted(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const jobs = await jobQueries.requeueRunning(tx, {
        code: 'DP_WORKER_LOST',
        message: 'the process running the export stopped',
      });
      for (const job of jobs) {
        await enqueueExport(this.boss, this.db, tx, {
          jobId: job.id,
          tenantId: job.tenantId,
        });
      }
      return jobs.length;
    });
  }

  async get(tenantId: string, jobId: string): Promise<StoredJob> {
    const job = await jobQueries.findForTenant(this.db, tenantId, jobId);
    if (!job) {
      throw new PackagerError('DP_JOB_NOT_FOUND', `no job ${jobId}`);
    }
    return job;
  }

  /** Every status change of a job of this tenant, oldest first. */
  async history(tenantId: string, jobId: string): Promise<JobTransition[]> {
    await this.get(tenantId, jobId);
    return jobQueries.transitions(this.db, jobId);
  }

  /** A page of the tenant's jobs, newest first. */
  async list(tenantId: string, options: JobListOptions = {}): Promise<JobPage> {
    const limit = options.limit ?? 50;
    const jobs = await jobQueries.list(this.db, {
      tenantId,
      limit: limit + 1,
      statuses: options.statuses,
      overlapping: options.overlapping,
      after: options.cursor ? decodeCursor(options.cursor) : undefined,
    });
    const page = jobs.slice(0, limit);
    const last = page.at(-1);
    return {
      jobs: page,
      nextCursor: jobs.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * Refuses a new or retried job while the tenant has its limit of pending
   * and running ones; counted under a lock on the tenant, so concurrent
   * requests cannot both slip under it.
   */
  private async assertRoomFor(tx: Queryable, tenantId: string) {
    const active = await jobQueries.countActive(tx, tenantId);
    if (active >= this.limits.maxActivePerTenant) {
      throw new PackagerError(
        'DP_TOO_MANY_JOBS',
        `tenant ${tenantId} already has ${active} exports pending or ` +
          `running (the limit is ${this.limits.maxActivePerTenant}); ` +
          'try again when one finishes',
        { details: { retryAfterSeconds: 30 } },
      );
    }
  }

  private assertWindowLength(window: TimeWindow): void {
    const days = (window.to.getTime() - window.from.getTime()) / DAY_MS;
    if (days > this.limits.maxWindowDays) {
      throw new PackagerError(
        'DP_WINDOW_TOO_LONG',
        `the window spans ${Math.ceil(days)} days; the longest allowed is ` +
          `${this.limits.maxWindowDays} (export it in parts)`,
      );
    }
  }

  private async findEarlier(
    request: ExportJobRequest,
    requestHash: string,
  ): Promise<StoredJob | null> {
    if (!request.idempotencyKey) return null;
    const earlier = await jobQueries.findByIdempotencyKey(
      this.db,
      request.tenantId,
      request.idempotencyKey,
    );
    if (earlier && earlier.requestHash !== requestHash) {
      throw new PackagerError(
        'DP_IDEMPOTENCY_CONFLICT',
        'this Idempotency-Key was already used with a different request',
      );
    }
    return earlier;
  }
}

function hashRequest(request: ExportJobRequest): string {
  const canonical = JSON.stringify([
    request.tenantId,
    request.window.from.toISOString(),
    request.window.to.toISOString(),
    request.artifacts,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

const CURSOR_TIME =
  /^(19[7-9]\d|2\d{3})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An opaque page cursor: the creation time and id of the last job. */
function encodeCursor(job: StoredJob): string {
  const value = `${job.createdAt.toISOString()}|${job.id}`;
  return Buffer.from(value, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at = '', id = ''] = Buffer.from(cursor, 'base64url')
    .toString('utf8')
    .split('|');
  const createdAt = new Date(at);
  // Exactly what encodeCursor writes: a job id after a UTC time in the
  // years a job can have been created in.
  if (
    cursor.length > 200 ||
    !CURSOR_TIME.test(at) ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== at ||
    !/^[0-9a-f-]{36}$/.test(id)
  ) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'cursor is not one this API gave out; start again without it',
    );
  }
  return { createdAt, id };
}
