import { createHash, randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Database } from '../db/index.js';
import {
  ARTIFACT_KINDS,
  PackagerError,
  type ArtifactKind,
  type TimeWindow,
} from '../domain/index.js';
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

/** Creating, reading and listing export jobs, always within one tenant. */
export class JobService {
  constructor(
    private readonly db: Database,
    private readonly boss: PgBoss,
  ) {}

  /** Called once a job is committed, to wake in-process workers. */
  onEnqueued: () => void = () => undefined;

  /**
   * Records a pending job and enqueues it in one transaction. A repeated
   * idempotency key answers with the first job when the request is the same
   * and is refused when it differs.
   */
  async createExport(request: ExportJobRequest): Promise<CreatedJob> {
    const artifacts = ARTIFACT_KINDS.filter((k) =>
      request.artifacts.includes(k),
    );
    const requestHash = hashRequest({ ...request, artifacts });
    const earlier = await this.findEarlier(request, requestHash);
    if (earlier) return { job: earlier, created: false };

    const job = await this.db.transaction(async (tx) => {
      const inserted = await jobQueries.insert(tx, {
        id: randomUUID(),
        tenantId: request.tenantId,
        artifacts,
        windowFrom: request.window.from,
        windowTo: request.window.to,
        requestedBy: request.requestedBy,
        idempotencyKey: request.idempotencyKey,
        requestHash,
      });
      await enqueueExport(this.boss, this.db, tx, {
        jobId: inserted.id,
        tenantId: inserted.tenantId,
      });
      return inserted;
    });
    this.onEnqueued();
    return { job, created: true };
  }

  /**
   * Re-enqueues the jobs a dead process left running; answers how many.
   * Safe only where this process is the only worker (see requeueRunning).
   */
  async recoverInterrupted(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const jobs = await jobQueries.requeueRunning(tx);
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

  list(tenantId: string, limit = 50): Promise<StoredJob[]> {
    return jobQueries.listForTenant(this.db, tenantId, limit);
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
