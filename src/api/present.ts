import type { StoredJob } from '../jobs/index.js';

/** The public shape of a job, as GET /jobs/{id} answers it. */
export function toJobView(job: StoredJob) {
  return {
    jobId: job.id,
    tenantId: job.tenantId,
    status: job.status,
    artifacts: job.artifacts,
    dateRange: {
      from: job.windowFrom.toISOString(),
      to: job.windowTo.toISOString(),
    },
    requestedBy: job.requestedBy,
    progress: job.progress,
    counts: job.counts,
    warnings: job.warnings,
    error: job.error,
    attempts: job.attempts,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    bundle: job.bundle
      ? {
          size: job.bundle.size,
          sha512: job.bundle.sha512,
          checksumIndexSha512: job.bundle.indexSha512,
          keyId: job.bundle.keyId,
          downloadUrl: `/jobs/${job.id}/bundle`,
          signatureUrl: job.bundle.signature
            ? `/jobs/${job.id}/bundle.sig`
            : null,
        }
      : null,
  };
}

export type JobView = ReturnType<typeof toJobView>;
