import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  PassThrough,
  Transform,
  pipeline,
  type TransformCallback,
} from 'node:stream';
import type PgBoss from 'pg-boss';
import type { JobSettings } from '../config/index.js';
import type { Database } from '../db/index.js';
import {
  PackagerError,
  isPackagerError,
  type JobError,
  type JobProgress,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import {
  DETECTOR_NAMES,
  dlpRulesOf,
  dlpTargetsOf,
  scanBundle,
  toDlpError,
  type RedactionPolicies,
} from '../redaction/index.js';
import { bundleRecordOf, type ProvenanceStore } from '../provenance/index.js';
import type { JobKeys } from '../signing/index.js';
import type { ObjectStore } from '../storage/index.js';
import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Context,
} from '@opentelemetry/api';
import {
  StageTrace,
  contextOf,
  startSpan,
  type Analytics,
  type Logger,
  type Metrics,
} from '../telemetry/index.js';
import { backoffDelay } from './backoff.js';
import type { Connectors } from '../sources/index.js';
import { Failpoints } from './failpoints.js';
import type { JobEvents } from './events.js';
import { classifyFailure } from './failures.js';
import { runExport, type ExportOutcome } from './pipeline.js';
import { EXPORT_QUEUE, enqueueExport, type ExportMessage } from './queue.js';
import { jobQueries, type Lease, type StoredJob } from './repository.js';

export interface WorkerDeps {
  db: Database;
  boss: PgBoss;
  store: EvidenceStore;
  objects: ObjectStore;
  /** The signing keys; each attempt takes the active one as it starts. */
  keys: JobKeys;
  logger: Logger;
  metrics: Metrics;
  /** Injected faults; from settings.failpoints when absent. */
  faults?: Failpoints;
  /** Each tenant's redaction policy; the default policy when absent. */
  policies?: RedactionPolicies;
  /** Customers' evidence services (DP_CONNECTORS_FILE). */
  connectors?: Connectors;
  /** Where published bundles are recorded; nowhere when absent. */
  provenance?: ProvenanceStore;
  /** Told of final statuses in their transaction (webhook events). */
  events?: JobEvents;
  /** A tenant's jurisdiction tags, for the manifest (ExportDeps). */
  jurisdictionsOf?: (tenantId: string) => Promise<readonly string[]>;
  /** Records export.completed, .partial and .failed when present. */
  analytics?: Analytics;
  /** Told when a job ends (webhooks); nothing is told when absent. */
  notify?: (ended: JobEnded) => Promise<void>;
}

/** What the `notify` stage hands on when a job ends. */
export interface JobEnded {
  jobId: string;
  tenantId: string;
  status: 'completed' | 'partial' | 'failed';
}

export type WorkerSettings = JobSettings & { concurrency: number };

// Progress is saved at most this often, so big exports do not hammer
// the database with updates.
const PROGRESS_INTERVAL_MS = 500;

/** Why an attempt was stopped before it finished. */
type StopReason = 'cancelled' | 'lease-lost' | 'shutdown' | 'timeout';

class AttemptStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`attempt stopped: ${reason}`);
  }
}

/** Where a job's bundle is published in the object store. */
export function bundleKeyOf(tenantId: string, jobId: string): string {
  return `bundles/${tenantId}/${jobId}.zip`;
}

/** Where a bundle the DLP scan refused is kept, when set to quarantine. */
export function quarantineKeyOf(tenantId: string, jobId: string): string {
  return `quarantine/${tenantId}/${jobId}.zip`;
}

/** Where attempts of a job write their ZIP before it is published. */
export function stagingPrefixOf(tenantId: string, jobId: string): string {
  return `staging/${tenantId}/${jobId}`;
}

/**
 * Runs export jobs from the queue. Each attempt holds a lease on its job
 * row, renewed by a heartbeat; the lease's epoch fences every write, so an
 * attempt that lost its lease (its worker paused, or the job was
 * cancelled) can neither save progress nor publish. Any worker's reaper
 * hands the jobs of dead workers back to the queue once their lease runs
 * out. Stopping lets running attempts finish within a grace period, then
 * gives the rest back for another worker to take.
 */
export class ExportWorker {
  /** Names this process in leases, for operators reading a job row. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly attempts = new Map<string, AbortController>();
  private readonly settled = new Set<Promise<void>>();
  private readonly faults: Failpoints;
  private workIds: string[] = [];
  private reaper: NodeJS.Timeout | undefined;
  private reaping: Promise<void> | undefined;
  private ticks = 0;
  private stopping = false;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly settings: WorkerSettings,
  ) {
    this.faults = deps.faults ?? new Failpoints(settings.failpoints);
    const reached = this.faults.onReached;
    this.faults.onReached = (name) => {
      deps.logger.warn(
        { event: 'failpoint.reached', failpoint: name },
        `failpoint ${name} reached`,
      );
      reached(name);
    };
  }

  private get leaseMs(): number {
    return this.settings.leaseSeconds * 1000;
  }

  /** Subscribes to the queue and starts the reaper. */
  async start(): Promise<void> {
    const { metrics, store } = this.deps;
    metrics.knowDetectors(DETECTOR_NAMES);
    metrics.knowTenants((await store.listTenants()).map((t) => t.id));
    for (let i = 0; i < this.settings.concurrency; i += 1) {
      let id = '';
      id = await this.deps.boss.work<ExportMessage>(
        EXPORT_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: 0.5 },
        async ([message]) => {
          if (!message) return;
          await this.run(message.data);
          // More may be waiting: fetch again at once, not after a poll.
          this.deps.boss.notifyWorker(id);
        },
      );
      this.workIds.push(id);
    }
    const every = Math.max(500, Math.floor(this.leaseMs / 3));
    this.reaper = setInterval(() => {
      this.reaping ??= this.reap().finally(() => (this.reaping = undefined));
    }, every);
    this.reaper.unref();
    this.deps.logger.info(
      {
        event: 'worker.started',
        owner: this.owner,
        concurrency: this.settings.concurrency,
        failpoints: this.faults.enabled || undefined,
      },
      'worker started',
    );
  }

  /** Wakes idle pollers at once, for a process that just enqueued work. */
  wake(): void {
    for (const id of this.workIds) this.deps.boss.notifyWorker(id);
  }

  /**
   * Stops taking jobs, waits up to `graceMs` for running attempts, then
   * stops the rest and gives their jobs back to the queue.
   */
  async stop(graceMs = this.settings.shutdownGraceSeconds * 1000) {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.reaper);
    this.deps.logger.info(
      { event: 'worker.stopping', running: this.attempts.size, graceMs },
      'worker stopping',
    );
    await this.deps.boss.offWork(EXPORT_QUEUE).catch(() => undefined);
    const all = () => Promise.allSettled([...this.settled]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    if ((await Promise.race([all(), graceOver])) === 'timeout') {
      for (const controller of this.attempts.values()) {
        controller.abort(new AttemptStopped('shutdown'));
      }
      await all();
    }
    clearTimeout(timer);
    await this.reaping;
    this.deps.logger.info({ event: 'worker.stopped' }, 'worker stopped');
  }

  /** Runs one attempt of the job a message names, if it can be claimed. */
  async run(message: ExportMessage): Promise<void> {
    if (this.stopping) {
      // Taken as the worker was stopping: hand the message back.
      await enqueueExport(this.deps.boss, this.deps.db, this.deps.db, message);
      return;
    }
    const job = await jobQueries.claim(
      this.deps.db,
      message.tenantId,
      message.jobId,
      this.owner,
      this.leaseMs,
    );
    if (!job) return; // finished, cancelled, running elsewhere, or unknown
    this.deps.metrics.knowTenants([job.tenantId]);
    const done = this.traced(job);
    this.settled.add(done);
    try {
      await done;
    } finally {
      this.settled.delete(done);
    }
  }

  /**
   * Runs an attempt inside its job span, whose parent is the request that
   * created the job (its trace context is stored on the row), so that one
   * trace shows the export from request to published bundle.
   */
  private async traced(job: StoredJob): Promise<void> {
    const parent = contextOf(job.traceContext);
    const span = startSpan(
      'export.job',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'dp.job_id': job.id,
          'dp.tenant_id': job.tenantId,
          'dp.attempt': job.attempts,
          'dp.artifact_kinds': job.artifacts,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    try {
      await context.with(active, () => this.attempt(job, active));
    } finally {
      span.end();
    }
  }

  private async attempt(job: StoredJob, active: Context): Promise<void> {
    const lease: Lease = {
      jobId: job.id,
      tenantId: job.tenantId,
      epoch: job.leaseEpoch,
      owner: this.owner,
    };
    const log = this.deps.logger.child({
      jobId: job.id,
      tenantId: job.tenantId,
      attempt: job.attempts,
    });
    // Each stage is a span, and a debug line from a logger carrying it.
    const stages = new StageTrace(active, (stage, attributes) => {
      log
        .child({ stage })
        .debug(
          { event: 'job.stage', kind: attributes['dp.artifact_kind'] },
          `stage ${stage}`,
        );
    });
    const controller = new AbortController();
    this.attempts.set(job.id, controller);
    const stopHeartbeat = this.heartbeat(lease, controller, log);
    const timeout = setTimeout(
      () => controller.abort(new AttemptStopped('timeout')),
      this.settings.timeoutSeconds * 1000,
    );
    const staging = `${stagingPrefixOf(job.tenantId, job.id)}/${lease.epoch}.zip`;
    log.info({ event: 'job.started', owner: this.owner }, 'export started');
    let last: JobProgress = job.progress;
    try {
      const outcome = await this.produce(
        job,
        lease,
        staging,
        controller,
        { stages, log },
        (p) => (last = p),
      );
      await stages.run('dlp_scan', {}, () =>
        this.inspect(job, staging, outcome, log),
      );
      const status = await stages.run('publish', {}, () =>
        this.publish(job, lease, staging, outcome, controller.signal, log),
      );
      if (status) await this.notify(job, status, stages);
    } catch (error) {
      stages.end(error);
      await this.cleanStaging(job, staging, controller.signal);
      const ended = await this.settleFailure(
        job,
        lease,
        error,
        controller.signal,
        last,
        log,
      );
      // A stop (cancel, shutdown, lost lease) is not the attempt failing.
      trace.getActiveSpan()?.setAttribute('dp.attempt_outcome', ended);
      if (ended === 'failed' || ended === 'retry') {
        trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR });
      }
      if (ended === 'failed') await this.notify(job, 'failed', stages);
    } finally {
      clearTimeout(timeout);
      stopHeartbeat();
      this.attempts.delete(job.id);
    }
  }

  /**
   * Renews the lease every sixth of its length. The attempt is stopped
   * when the lease is gone (cancelled, or taken after it expired), or when
   * it could not be renewed for longer than the lease lasts.
   */
  private heartbeat(
    lease: Lease,
    controller: AbortController,
    log: Logger,
  ): () => void {
    let renewedAt = Date.now();
    const beat = async () => {
      try {
        if (await jobQueries.heartbeat(this.deps.db, lease, this.leaseMs)) {
          renewedAt = Date.now();
          return;
        }
        const now = await jobQueries.findForTenant(
          this.deps.db,
          lease.tenantId,
          lease.jobId,
        );
        controller.abort(
          new AttemptStopped(
            now?.status === 'cancelled' ? 'cancelled' : 'lease-lost',
          ),
        );
      } catch (error) {
        log.warn({ event: 'worker.error', err: error }, 'heartbeat failed');
        if (Date.now() - renewedAt > this.leaseMs) {
          controller.abort(new AttemptStopped('lease-lost'));
        }
      }
    };
    let beating: Promise<void> | undefined;
    const timer = setInterval(
      () => {
        beating ??= beat().finally(() => (beating = undefined));
      },
      Math.max(200, Math.floor(this.leaseMs / 6)),
    );
    return () => clearInterval(timer);
  }

  /** Streams the bundle into its staging object; nothing is public yet. */
  private async produce(
    job: StoredJob,
    lease: Lease,
    staging: string,
    controller: AbortController,
    observe: { stages: StageTrace; log: Logger },
    track: (p: JobProgress) => void,
  ): Promise<ExportOutcome> {
    const { deps } = this;
    const { signal } = controller;
    const tenant = await deps.store.getTenant(job.tenantId);
    if (!tenant) {
      throw new PackagerError(
        'DP_TENANT_UNKNOWN',
        `tenant ${job.tenantId} no longer exists`,
      );
    }
    // Taken once: a rotation while the attempt runs does not change its key.
    const signing = await deps.keys.signerForJob();
    // Whatever earlier attempts of this job left behind goes first.
    await deps.objects.deletePrefix(stagingPrefixOf(job.tenantId, job.id));
    await this.faults.reach('store.open', signal);

    const body = new PassThrough();
    // pipeline, unlike pipe, passes a destroyed end on to the other.
    const limited = pipeline(
      body,
      new SizeLimit(this.settings.bundleMaxBytes),
      () => undefined,
    );
    const stored = deps.objects.put(staging, limited);
    // A store that fails, or a stop, ends the stream at once, so that the
    // assembler is never left waiting on a reader that is gone.
    let storeError: unknown;
    stored.catch((error: unknown) => {
      storeError = error;
      body.destroy(error as Error);
    });
    const onAbort = () => body.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    let kinds: ExportOutcome['kinds'] = {};
    const save = progressSaver((p) =>
      jobQueries
        .saveProgress(deps.db, lease, p, kinds)
        .catch((error: unknown) => {
          deps.logger.warn({ event: 'worker.error', err: error }, 'progress');
        }),
    );
    const startedAt = job.progress.attemptStartedAt;
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
        {
          signal,
          faults: this.faults,
          trace: observe.stages,
          sourceRetry: {
            retries: this.settings.sourceRetries,
            baseMs: this.settings.sourceRetryBaseMs,
            maxMs: Math.max(this.settings.sourceRetryBaseMs, 30_000),
          },
          onSources: (live) => (kinds = live),
          onProgress: (p) => {
            const progress = { ...p, attemptStartedAt: startedAt };
            track(progress);
            save(progress);
          },
          onSourceError: (kind, failure) => {
            deps.metrics.sourceErrors.inc({ kind, code: failure.error.code });
          },
          onSourceRetry: (kind, failure, delayMs) => {
            deps.metrics.sourceRetriesTotal.inc({ kind });
            observe.log.warn(
              {
                event: 'job.source-retry',
                kind,
                code: failure.error.code,
                delayMs,
              },
              `${kind}: ${failure.error.message}; retrying`,
            );
          },
        },
      );
      const storing = {
        stage: 'store' as const,
        kind: null,
        itemsDone: sumCounts(outcome.counts),
        itemsTotal: sumCounts(outcome.counts),
        bytesWritten: outcome.bytesWritten,
        attemptStartedAt: startedAt,
      };
      track(storing);
      save(storing);
      observe.stages.enter('store', { 'dp.bundle.bytes': outcome.result.size });
      await stored;
      signal.throwIfAborted();
      return outcome;
    } catch (error) {
      body.destroy();
      await stored.catch(() => undefined);
      // A stop wins over whatever error the stop caused downstream, and
      // the store's own error over the broken stream it caused.
      if (signal.aborted) throw signal.reason as Error;
      throw isPackagerError(storeError) ? storeError : error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The DLP scan of the staged bundle, before anything is public: a hit
   * fails the job for good (the same evidence would hit again), after
   * moving the bundle to quarantine when DP_DLP_ACTION says so.
   */
  private async inspect(
    job: StoredJob,
    staging: string,
    outcome: ExportOutcome,
    log: Logger,
  ): Promise<void> {
    const { metrics, objects } = this.deps;
    for (const r of outcome.result.manifest.redactions) {
      metrics.redactionsTotal.inc({ rule: r.rule }, r.count);
    }
    const { files } = outcome.result.manifest;
    const hits = await scanBundle(
      objects,
      staging,
      dlpTargetsOf(outcome.policy, files),
      dlpRulesOf(outcome.policy),
    );
    if (hits.length === 0) return;
    for (const hit of hits) {
      metrics.dlpHitsTotal.inc({ detector: hit.detector }, hit.count);
    }
    let where = 'the bundle was deleted';
    if (this.settings.dlpAction === 'quarantine') {
      const key = quarantineKeyOf(job.tenantId, job.id);
      await objects.move(staging, key);
      where = `the bundle is kept in quarantine at ${key}`;
    }
    log.error({ event: 'job.dlp-hit', hits }, 'DLP scan found data');
    throw toDlpError(hits, outcome.policy.name, where);
  }

  /**
   * Makes the bundle public in one fenced step: under a lock on the job
   * row that only the lease holder can take, the staging object is moved
   * to its final key and the job ends. A stale attempt never gets here.
   */
  private async publish(
    job: StoredJob,
    lease: Lease,
    staging: string,
    outcome: ExportOutcome,
    signal: AbortSignal,
    log: Logger,
  ): Promise<'completed' | 'partial' | null> {
    const { deps } = this;
    await this.faults.reach('publish.before', signal);
    const { result } = outcome;
    const warnings = [...outcome.warnings];
    if (result.size > this.settings.bundleWarnBytes) {
      warnings.push(
        `the bundle is ${result.size} bytes, over the alert threshold of ` +
          `${this.settings.bundleWarnBytes} bytes`,
      );
      deps.metrics.sizeAlertsTotal.inc();
      log.warn({ event: 'job.size-alert', size: result.size }, 'large bundle');
    }
    const status = outcome.partial ? 'partial' : 'completed';
    const key = bundleKeyOf(job.tenantId, job.id);
    const published = await deps.db.transaction(async (tx) => {
      if (!(await jobQueries.lockHeld(tx, lease))) return false;
      await deps.objects.move(staging, key);
      await this.faults.reach('publish.after', signal);
      const finished = await jobQueries.finish(tx, lease, {
        status,
        progress: {
          stage: 'done',
          kind: null,
          itemsDone: sumCounts(outcome.counts),
          itemsTotal: sumCounts(outcome.counts),
          bytesWritten: outcome.bytesWritten,
        },
        counts: outcome.counts,
        kinds: outcome.kinds,
        warnings,
        error: null,
        bundle: {
          objectKey: key,
          size: result.size,
          sha512: result.sha512,
          indexSha512: result.indexSha512,
          keyId: result.manifest.signing.keyId,
          signature: result.zipSignature,
        },
      });
      if (finished) await deps.events?.jobSettled(tx, job.tenantId, job.id);
      return finished;
    });
    if (!published) {
      await deps.objects.delete(staging).catch(() => undefined);
      deps.metrics.attemptsTotal.inc({ outcome: 'lost' });
      log.warn({ event: 'job.fenced' }, 'lease lost before publishing');
      return null;
    }
    await deps.objects
      .deletePrefix(stagingPrefixOf(job.tenantId, job.id))
      .catch(() => undefined);
    await this.recordProvenance(job, outcome, log);
    this.recordFinal(job, status, { outcome });
    log.info(
      {
        event: status === 'partial' ? 'job.partial' : 'job.completed',
        size: result.size,
      },
      status === 'partial' ? 'export partial' : 'export completed',
    );
    return status;
  }

  /**
   * Tells whoever listens that the job ended (webhooks). Runs as the
   * `notify` stage; a failure to notify never changes the job's outcome.
   */
  private async notify(
    job: StoredJob,
    status: 'completed' | 'partial' | 'failed',
    stages: StageTrace,
  ): Promise<void> {
    const { notify } = this.deps;
    await stages
      .run('notify', { 'dp.notify.listeners': notify ? 1 : 0 }, async () => {
        await notify?.({ jobId: job.id, tenantId: job.tenantId, status });
      })
      .catch((error: unknown) => {
        this.deps.logger.warn(
          { event: 'worker.error', jobId: job.id, err: error },
          'cannot notify that the export ended',
        );
      });
  }

  /**
   * Records the published bundle in the provenance graph. The bundle is
   * already public: a graph that cannot be written is counted and logged,
   * and does not fail the export.
   */
  private async recordProvenance(
    job: StoredJob,
    outcome: ExportOutcome,
    log: Logger,
  ): Promise<void> {
    const { provenance, metrics } = this.deps;
    if (!provenance) return;
    const { result } = outcome;
    const record = bundleRecordOf(
      job,
      {
        sha512: result.sha512,
        size: result.size,
        keyId: result.manifest.signing.keyId,
      },
      result.manifest.files,
      new Date(),
    );
    try {
      await provenance.recordBundle(record);
    } catch (error) {
      metrics.provenanceWriteFailures.inc({ record: 'bundle' });
      log.warn(
        { event: 'provenance.error', err: error },
        'cannot record the bundle in the provenance graph',
      );
    }
  }

  /**
   * Removes what a failed or stopped attempt staged. While it still holds
   * its lease, or when its job was cancelled, no other attempt can be
   * writing there and the job's whole staging folder goes; an attempt that
   * lost its lease removes only its own file.
   */
  private async cleanStaging(
    job: StoredJob,
    staging: string,
    signal: AbortSignal,
  ): Promise<void> {
    const stop = signal.aborted ? (signal.reason as unknown) : undefined;
    const lost = stop instanceof AttemptStopped && stop.reason === 'lease-lost';
    await (
      lost
        ? this.deps.objects.delete(staging)
        : this.deps.objects.deletePrefix(stagingPrefixOf(job.tenantId, job.id))
    ).catch(() => undefined);
  }

  /** Ends a failed or stopped attempt: retry, give back, or fail the job. */
  private async settleFailure(
    job: StoredJob,
    lease: Lease,
    error: unknown,
    signal: AbortSignal,
    last: JobProgress,
    log: Logger,
  ): Promise<'failed' | 'retry' | 'stopped'> {
    const { deps } = this;
    const stop = signal.aborted ? (signal.reason as unknown) : undefined;
    if (stop instanceof AttemptStopped && stop.reason !== 'timeout') {
      if (stop.reason === 'shutdown') {
        const given = await this.giveBack(lease, {
          delayMs: 0,
          error: {
            code: 'DP_WORKER_SHUTDOWN',
            message: 'the worker stopped; another worker takes the export',
          },
          failed: false,
        });
        deps.metrics.attemptsTotal.inc({
          outcome: given ? 'released' : 'lost',
        });
        log.info({ event: 'job.released' }, 'given back on shutdown');
      } else if (stop.reason === 'cancelled') {
        deps.metrics.attemptsTotal.inc({ outcome: 'cancelled' });
        log.info({ event: 'job.cancelled' }, 'export cancelled');
      } else {
        deps.metrics.attemptsTotal.inc({ outcome: 'lost' });
        log.warn({ event: 'job.fenced' }, 'lease lost; attempt stopped');
      }
      return 'stopped';
    }
    const failure =
      stop instanceof AttemptStopped
        ? {
            transient: true,
            error: {
              code: 'DP_JOB_TIMEOUT',
              message: `the attempt ran past ${this.settings.timeoutSeconds} s`,
            },
          }
        : classifyFailure(error);
    const failedSoFar = job.failedAttempts + 1;
    if (failure.transient && failedSoFar < job.maxAttempts) {
      const delayMs = backoffDelay(
        {
          baseMs: this.settings.retryBaseSeconds * 1000,
          maxMs: this.settings.retryMaxSeconds * 1000,
        },
        failedSoFar,
      );
      const given = await this.giveBack(lease, {
        delayMs,
        error: failure.error,
        failed: true,
      });
      if (given) {
        deps.metrics.attemptsTotal.inc({ outcome: 'retry' });
        deps.metrics.retriesTotal.inc({ code: failure.error.code });
        log.warn(
          { event: 'job.retry', code: failure.error.code, delayMs, err: error },
          `${failure.error.message}; retrying in ${delayMs} ms`,
        );
      }
      return given ? 'retry' : 'stopped';
    }
    const ended = await deps.db
      .transaction(async (tx) => {
        const finished = await jobQueries.finish(tx, lease, {
          status: 'failed',
          progress: last,
          counts: {},
          kinds: {},
          warnings: [],
          error: failure.error,
          bundle: null,
        });
        if (finished) await deps.events?.jobSettled(tx, job.tenantId, job.id);
        return finished;
      })
      .catch((cause: unknown) => {
        // The lease will expire and the reaper will settle the job.
        log.error(
          { event: 'worker.error', err: cause },
          'cannot record failure',
        );
        return false;
      });
    if (!ended) return 'stopped';
    this.recordFinal(job, 'failed', { code: failure.error.code });
    log.error({ event: 'job.failed', err: error }, failure.error.message);
    return 'failed';
  }

  /** Back to pending, with a message to run it again, in one transaction. */
  private async giveBack(
    lease: Lease,
    how: { delayMs: number; error: JobError | null; failed: boolean },
  ): Promise<boolean> {
    try {
      return await this.deps.db.transaction(async (tx) => {
        const job = await jobQueries.release(tx, lease, how);
        if (!job) return false;
        await enqueueExport(
          this.deps.boss,
          this.deps.db,
          tx,
          {
            jobId: job.id,
            tenantId: job.tenantId,
          },
          how.delayMs,
        );
        return true;
      });
    } catch (error) {
      // The database is unreachable: the lease will expire and a reaper
      // will give the job back then.
      this.deps.logger.error(
        { event: 'worker.error', err: error, jobId: lease.jobId },
        'cannot give the job back; its lease will expire',
      );
      return false;
    }
  }

  /**
   * Hands jobs whose lease expired back to the queue (or fails them when
   * their attempts are spent), and now and then removes staging objects
   * that no live attempt owns.
   */
  async reap(): Promise<void> {
    const { deps } = this;
    try {
      const lost: JobError = {
        code: 'DP_WORKER_LOST',
        message: 'the worker running the export stopped renewing its lease',
      };
      const { requeued, failed } = await deps.db.transaction(async (tx) => {
        const reaped = await jobQueries.reapExpired(tx, lost);
        for (const job of reaped.requeued) {
          await enqueueExport(deps.boss, deps.db, tx, {
            jobId: job.id,
            tenantId: job.tenantId,
          });
        }
        for (const job of reaped.failed) {
          await deps.events?.jobSettled(tx, job.tenantId, job.id);
        }
        return reaped;
      });
      for (const job of [...requeued, ...failed]) {
        deps.metrics.reapedTotal.inc();
        deps.logger.warn(
          {
            event: 'job.reaped',
            jobId: job.id,
            tenantId: job.tenantId,
            status: job.status,
          },
          'lease expired; job given back',
        );
      }
      for (const job of failed) {
        this.recordFinal(job, 'failed', { code: lost.code });
      }
      if (requeued.length > 0) this.wake();
      this.ticks += 1;
      if (this.ticks % 10 === 1) await this.sweepStaging();
    } catch (error) {
      deps.logger.warn({ event: 'worker.error', err: error }, 'reaper');
    }
  }

  /** Deletes staging objects of attempts that no longer hold a lease. */
  async sweepStaging(): Promise<number> {
    const objects = await this.deps.objects.list('staging');
    const byJob = new Map<string, { prefix: string; epochs: string[] }>();
    for (const { key } of objects) {
      const [, tenantId, jobId, file] = key.split('/');
      if (!tenantId || !jobId || !file) continue;
      const entry = byJob.get(jobId) ?? {
        prefix: stagingPrefixOf(tenantId, jobId),
        epochs: [],
      };
      entry.epochs.push(file.replace(/\.zip$/, ''));
      byJob.set(jobId, entry);
    }
    if (byJob.size === 0) return 0;
    const live = await jobQueries.statuses(this.deps.db, [...byJob.keys()]);
    let swept = 0;
    for (const [jobId, { prefix, epochs }] of byJob) {
      const job = live.get(jobId);
      for (const epoch of epochs) {
        if (job?.status === 'running' && String(job.epoch) === epoch) continue;
        await this.deps.objects.delete(`${prefix}/${epoch}.zip`);
        swept += 1;
      }
    }
    return swept;
  }

  /**
   * Counts a job that reached its final status: a failed one with the
   * code that failed it, a published one with its size, items and the
   * kinds it had to leave out.
   */
  private recordFinal(
    job: StoredJob,
    status: 'completed' | 'partial' | 'failed',
    end: { outcome?: ExportOutcome; code?: string } = {},
  ): void {
    const { metrics } = this.deps;
    const { outcome } = end;
    const seconds = (Date.now() - job.createdAt.getTime()) / 1000;
    // The attempt's span, when this runs inside one (not in the reaper).
    trace.getActiveSpan()?.setAttributes({
      'dp.job_status': status,
      ...(outcome && { 'dp.bundle.bytes': outcome.result.size }),
    });
    void this.deps.analytics?.record({
      name: `export.${status}`,
      tenantId: job.tenantId,
      jobId: job.id,
      occurredAt: new Date(),
      bytes: outcome?.result.size ?? null,
      durationMs: seconds * 1000,
      items: outcome ? sumCounts(outcome.counts) : null,
      details: { attempts: job.attempts },
    });
    metrics.exportsTotal.inc({ status, tenant: job.tenantId });
    metrics.attemptsTotal.inc({ outcome: status });
    metrics.exportDuration.observe({ status }, seconds);
    if (status === 'failed') {
      metrics.failuresTotal.inc({ code: end.code ?? 'DP_EXPORT_FAILED' });
    }
    if (!outcome) return;
    metrics.bundleSize.observe(outcome.result.size);
    for (const [kind, items] of Object.entries(outcome.counts)) {
      metrics.evidenceItems.inc({ kind }, items ?? 0);
    }
    for (const [kind, result] of Object.entries(outcome.kinds)) {
      if (result?.status === 'omitted') metrics.kindsOmitted.inc({ kind });
    }
  }
}

/** Fails the stream once more than `max` bytes went through it. */
class SizeLimit extends Transform {
  private seen = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: TransformCallback,
  ): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      callback(
        new PackagerError(
          'DP_BUNDLE_TOO_LARGE',
          `the bundle grew past the maximum of ${this.max} bytes ` +
            '(DP_BUNDLE_MAX_BYTES); export a shorter window or fewer kinds',
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}

function sumCounts(counts: Record<string, number | undefined>): number {
  return Object.values(counts).reduce<number>((t, n) => t + (n ?? 0), 0);
}

/**
 * Saves every stage change at once, and progress within a stage at most
 * every PROGRESS_INTERVAL_MS, the latest of a burst saved when it ends.
 */
function progressSaver(
  save: (progress: JobProgress) => Promise<void>,
): (progress: JobProgress) => void {
  let lastAt = 0;
  let lastStage = '';
  let latest: JobProgress | undefined;
  let timer: NodeJS.Timeout | undefined;
  // One save at a time, in order: two in flight on two connections could
  // commit the older one last and put the job back in a stage it has left.
  let saving: Promise<void> = Promise.resolve();
  const flush = () => {
    timer = undefined;
    if (!latest) return;
    const progress = latest;
    latest = undefined;
    lastAt = Date.now();
    saving = saving.then(() => save(progress));
  };
  return (progress) => {
    const stage = `${progress.stage}:${progress.kind ?? ''}`;
    latest = progress;
    if (stage !== lastStage) {
      lastStage = stage;
      clearTimeout(timer);
      flush();
    } else if (!timer) {
      const wait = Math.max(0, lastAt + PROGRESS_INTERVAL_MS - Date.now());
      timer = setTimeout(flush, wait);
      timer.unref();
    }
  };
}
