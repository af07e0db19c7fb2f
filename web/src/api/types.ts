/** The API's shapes, as the OpenAPI document at /openapi.json gives them. */

export const ARTIFACT_KINDS = [
  'audit-events',
  'sboms',
  'attestations',
  'signatures',
  'policy-reports',
] as const;

export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const JOB_STATUSES = [
  'pending',
  'running',
  'completed',
  'partial',
  'failed',
  'cancelled',
  'expired',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

/** A token's roles in its tenant (docs/security.md). */
export type Role = 'viewer' | 'exporter' | 'admin';

export interface Me {
  tenantId: string;
  subject: string;
  roles: Role[];
  /** The highest of the roles, for display. */
  role: Role;
  /** What the roles allow, in words. */
  roleNote: string;
  tenants: { id: string; name: string }[];
  features: { ui: boolean; api: boolean };
  /** What a request must meet; the service refuses anything past them. */
  limits: { maxWindowDays: number };
}

export interface Estimate {
  tenantId: string;
  dateRange: { from: string; to: string };
  kinds: Record<ArtifactKind, { items: number; bytes: number }>;
}

export interface KindResult {
  status: 'included' | 'empty' | 'omitted';
  expected: number;
  exported: number;
  retries: number;
  reason: { code: string; message: string } | null;
}

export interface Job {
  jobId: string;
  tenantId: string;
  status: JobStatus;
  artifacts: ArtifactKind[];
  dateRange: { from: string; to: string };
  requestedBy: string;
  progress: {
    stage: string;
    kind: string | null;
    itemsDone: number;
    itemsTotal: number;
    bytesWritten: number;
    bytesExpected: number | null;
    etaSeconds: number | null;
  };
  kinds: Partial<Record<ArtifactKind, KindResult>>;
  warnings: string[];
  error: { code: string; message: string } | null;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  bundle: {
    size: number;
    sha512: string;
    keyId: string;
    downloadUrl: string | null;
    signatureUrl: string | null;
  } | null;
}

export interface JobList {
  jobs: Job[];
  nextCursor: string | null;
}

/** An RFC 9457 problem as the API writes it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}
