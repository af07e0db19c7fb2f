import type { ArtifactKind } from './artifacts.js';

/** Every state an export job can be in; one frozen set used everywhere. */
export const JOB_STATUSES = Object.freeze([
  'pending',
  'running',
  'completed',
  'failed',
  'partial',
  'cancelled',
] as const);

export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'completed',
  'failed',
  'partial',
  'cancelled',
]);

/**
 * The stages of an export, saved on the job as each one starts. `assemble`
 * covers writing the ZIP, the manifest and the signatures in one stream.
 */
export const JOB_STAGES = Object.freeze([
  'queued',
  'fetch',
  'assemble',
  'done',
] as const);

export type JobStage = (typeof JOB_STAGES)[number];

export interface JobProgress {
  stage: JobStage;
  itemsDone: number;
  itemsTotal: number;
  bytesWritten: number;
}

export interface JobError {
  code: string;
  message: string;
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
  warnings: string[];
  error: JobError | null;
  bundle: JobBundle | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}
