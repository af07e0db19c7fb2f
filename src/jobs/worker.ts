import { PassThrough } from 'node:stream';
import type PgBoss from 'pg-boss';
import type { Database } from '../db/index.js';
import {
  isPackagerError,
  type JobError,
  type JobProgress,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { JobKeys, JobSigning } from '../signing/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import { runExport, type ExportOutcome } from './pipeline.js';
import { EXPORT_QUEUE, type ExportMessage } from './queue.js';
import { jobQueries, type StoredJob } from './repository.js';

export interface WorkerDeps {
  db: Database;
  boss: PgBoss;
  store: EvidenceStore;
  objects: ObjectStore;
  keys: JobKeys;
  logger: Logger;
  metrics: Metrics;
}

// Progress is saved at most this often, so big exports do not hammer
// the database with updates.
const PROGRESS_INTERVAL_MS = 500;

/** Where a job's bundle is published in the object store. */
export function bundleKeyOf(tenantId: string, jobId: string): string {
  return `bundles/${tenantId}/${jobId}.zip`;
}

/**
 * Subscribes `concurrency` pollers to the export queue, each running one
 * export at a time. Answers a function that wakes them at once, for a
 * process that has just enqueued work and need not wait for a poll.
 */
export async function startWorker(
  deps: WorkerDeps,
  concurrency: number,
): Promise<() => void> {
  const ids: string[] = [];
  for (let i = 0; i < concurrency; i += 1) {
    const id = await deps.boss.work<ExportMessage>(
      EXPORT_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: 0.5 },
      async ([message]) => {
        if (message) await processExport(deps, message.data);
      },
    );
    ids.push(id);
  }
  deps.logger.info({ event: 'worker.started', concurrency }, 'worker started');
  return () => ids.forEach((id) => deps.boss.notifyWorker(id));
}

/**
 * Runs one export job from its row. The tenant in the message is checked
 * against the row, so a forged message cannot export another tenant.
 */
export async function processExport(
  deps: WorkerDeps,
  message: ExportMessage,
): Promise<void> {
  const job = await jobQueries.start(deps.db, message.tenantId, message.jobId);
  if (!job) return; // unknown, another tenant's, or already finished
  const log = deps.logger.child({
    jobId: job.id,
    tenantId: job.tenantId,
    attempt: job.attempts,
  });
  log.info({ event: 'job.started' }, 'export started');
  let last: JobProgress = job.progress;
  try {
    // Taken once: a rotation while the job runs does not change its key.
    const signing = await deps.keys.signerForJob();
    const outcome = await exportToStore(deps, job, signing, (p) => (last = p));
    await finishCompleted(deps, job, outcome);
    recordOutcome(deps.metrics, job, 'completed', outcome);
    log.info(
      { event: 'job.completed', size: outcome.result.size },
      'export completed',
    );
  } catch (error) {
    const failure = toJobError(error);
    await jobQueries.finish(deps.db, job.id, {
      status: 'failed',
      progress: last,
      counts: {},
      warnings: [],
      error: failure,
      bundle: null,
    });
    recordOutcome(deps.metrics, job, 'failed');
    log.error({ event: 'job.failed', err: error }, failure.message);
  }
}

async function exportToStore(
  deps: WorkerDeps,
  job: StoredJob,
  signing: JobSigning,
  track: (p: JobProgress) => void,
): Promise<ExportOutcome> {
  const tenant = await deps.store.getTenant(job.tenantId);
  if (!tenant) throw new Error(`tenant ${job.tenantId} no longer exists`);
  const key = bundleKeyOf(job.tenantId, job.id);
  const body = new PassThrough();
  const stored = deps.objects.put(key, body);
  const saveProgress = progressSaver((p) =>
    jobQueries.saveProgress(deps.db, job.id, p).catch((error: unknown) => {
      deps.logger.warn({ event: 'worker.error', err: error }, 'progress');
    }),
  );
  try {
    const outcome = await runExport(
      { ...deps, signer: signing.signer, signedAt: signing.takenAt },
      {
        tenant,
        window: { from: job.windowFrom, to: job.windowTo },
        artifacts: job.artifacts,
        job: {
          id: job.id,
          requestedBy: job.requestedBy,
          createdAt: job.createdAt,
        },
      },
      body,
      (p) => {
        track(p);
        saveProgress(p);
      },
    );
    await stored;
    return outcome;
  } catch (error) {
    body.destroy(error as Error);
    await stored.catch(() => undefined);
    throw error;
  }
}

async function finishCompleted(
  deps: WorkerDeps,
  job: StoredJob,
  outcome: ExportOutcome,
): Promise<void> {
  const { result } = outcome;
  await jobQueries.finish(deps.db, job.id, {
    status: 'completed',
    progress: {
      stage: 'done',
      itemsDone: sumCounts(outcome.counts),
      itemsTotal: sumCounts(outcome.counts),
      bytesWritten: result.size,
    },
    counts: outcome.counts,
    warnings: outcome.warnings,
    error: null,
    bundle: {
      objectKey: bundleKeyOf(job.tenantId, job.id),
      size: result.size,
      sha512: result.sha512,
      indexSha512: result.indexSha512,
      keyId: result.manifest.signing.keyId,
      signature: result.zipSignature,
    },
  });
}

function recordOutcome(
  metrics: Metrics,
  job: StoredJob,
  status: 'completed' | 'failed',
  outcome?: ExportOutcome,
): void {
  const seconds = (Date.now() - job.createdAt.getTime()) / 1000;
  metrics.exportsTotal.inc({ status });
  metrics.exportDuration.observe({ status }, seconds);
  if (!outcome) return;
  metrics.bundleSize.observe(outcome.result.size);
  for (const [kind, items] of Object.entries(outcome.counts)) {
    metrics.evidenceItems.inc({ kind }, items ?? 0);
  }
}

function toJobError(error: unknown): JobError {
  if (isPackagerError(error))
    return { code: error.code, message: error.message };
  return {
    code: 'DP_EXPORT_FAILED',
    message: 'the export failed unexpectedly; the operator log has details',
  };
}

function sumCounts(counts: Record<string, number | undefined>): number {
  return Object.values(counts).reduce<number>((t, n) => t + (n ?? 0), 0);
}

/** Saves every stage change, and progress within a stage now and then. */
function progressSaver(
  save: (progress: JobProgress) => Promise<void>,
): (progress: JobProgress) => void {
  let lastAt = 0;
  let lastStage = '';
  return (progress) => {
    const now = Date.now();
    if (progress.stage === lastStage && now - lastAt < PROGRESS_INTERVAL_MS) {
      return;
    }
    lastAt = now;
    lastStage = progress.stage;
    void save(progress);
  };
}
