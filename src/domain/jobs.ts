import type { ArtifactKind } from './artifacts.js';

/** Every state an export job can be in; one frozen set used everywhere. */
export const JOB_STATUSES = Object.freeze([
  'pending',
  'running',
  'completed',
  'failed',
  'partial',
  'cancelled',
  'expired',
] as const);

export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'completed',
  'failed',
  'partial',
  'cancelled',
  'expired',
]);

/**
 * The transitions a job may make, and nothing else. `running → pending` is
 * an attempt given back: a transient failure waiting for its retry, a
 * worker shutting down, or a lease that expired with its worker. `failed`
 * and `cancelled` go back to `pending` only through an explicit retry.
 * A published bundle deleted at the end of its tenant's retention period
 * leaves its job `expired`. The database holds the same table in a
 * trigger (migrations 002 and 007).
 */
export const JOB_TRANSITIONS: Readonly<
  Record<JobStatus, readonly JobStatus[]>
> = Object.freeze({
  pending: ['running', 'cancelled', 'failed'],
  running: ['pending', 'completed', 'partial', 'failed', 'cancelled'],
  completed: ['expired'],
  partial: ['expired'],
  failed: ['pending'],
  cancelled: ['pending'],
  expired: [],
});

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/**
 * The stages of one attempt, saved on the job as each starts. `fetch`
 * names the kind being read; its items stream straight into the ZIP, so
 * fetching and zipping one kind are one stage. `assemble` writes the
 * manifest and checksum index, `sign` signs the index, `store` finishes
 * the upload and publishes the bundle.
 */
export const JOB_STAGES = Object.freeze([
  'queued',
  'fetch',
  'assemble',
  'sign',
  'store',
  'done',
] as const);

export type JobStage = (typeof JOB_STAGES)[number];

export interface JobProgress {
  stage: JobStage;
  /** The kind being fetched, during `fetch`. */
  kind?: ArtifactKind | null;
  itemsDone: number;
  itemsTotal: number;
  bytesWritten: number;
  /** The evidence bytes the window holds, known once sources are open. */
  bytesExpected?: number;
  /** When the current attempt started, to estimate the time left. */
  attemptStartedAt?: string;
}

export interface JobError {
  code: string;
  message: string;
}

/** What became of one requested kind, as the manifest also records it. */
export const KIND_STATUSES = Object.freeze([
  'included',
  'empty',
  'omitted',
] as const);

export type KindStatus = (typeof KIND_STATUSES)[number];

export interface KindOutcome {
  status: KindStatus;
  /** Items the window held, as counted when the source was opened. */
  expected: number;
  /** Items written into the bundle. */
  exported: number;
  /** Times the source was retried after a transient failure. */
  retries: number;
  /** Why the kind was omitted; absent otherwise. */
  reason?: JobError;
}

export interface JobBundle {
  objectKey: string;
  size: number;
  sha512: string;
  keyId: string;
  indexSha512: string;
  /** Base64 signature of the whole ZIP; null or absent when none. */
  signature?: string | null;
}

/** The export job, as stored: the state of record for one disclosure. */
export interface ExportJob {
  id: string;
  tenantId: string;
  status: JobStatus;
  artifacts: ArtifactKind[];
  windowFrom: Date;
  windowTo: Date;
  requestedBy: string;
  idempotencyKey: string | null;
  progress: JobProgress;
  counts: Partial<Record<ArtifactKind, number>>;
  kinds: Partial<Record<ArtifactKind, KindOutcome>>;
  warnings: string[];
  error: JobError | null;
  bundle: JobBundle | null;
  /** Attempts started, including any running now. */
  attempts: number;
  /** Attempts that ended in a transient failure or a lost worker. */
  failedAttempts: number;
  /** Attempts allowed before the job fails for good. */
  maxAttempts: number;
  /** When a waiting retry may start; null when it may start now. */
  nextAttemptAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When retention deleted the bundle; null while it is kept. */
  expiredAt: Date | null;
}

/** One stored status change of a job. */
export interface JobTransition {
  from: JobStatus | null;
  to: JobStatus;
  attempt: number;
  reason: string | null;
  at: Date;
}
