import type { LinkSigner } from '../auth/index.js';
import type {
  EvidenceDocument,
  JobProgress,
  JobTransition,
} from '../domain/index.js';
import type { StoredJob } from '../jobs/index.js';

/**
 * The public shape of a job, as GET /jobs/{id} answers it. Its download
 * links are signed afresh on every read, and expire (docs/security.md);
 * a caller who may not download (links null: a viewer) gets none, since a
 * link grants the download on its own.
 */
export function toJobView(
  job: StoredJob,
  links: Pick<LinkSigner, 'sign'> | null,
  options: { history?: JobTransition[]; now?: Date } = {},
) {
  const now = options.now ?? new Date();
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
    progress: {
      stage: job.progress.stage,
      kind: job.progress.kind ?? null,
      itemsDone: job.progress.itemsDone,
      itemsTotal: job.progress.itemsTotal,
      bytesWritten: job.progress.bytesWritten,
      bytesExpected: job.progress.bytesExpected ?? null,
      etaSeconds:
        job.status === 'running' ? etaSecondsOf(job.progress, now) : null,
    },
    counts: job.counts,
    kinds: job.kinds,
    warnings: job.warnings,
    error: job.error,
    attempts: job.attempts,
    failedAttempts: job.failedAttempts,
    maxAttempts: job.maxAttempts,
    nextAttemptAt:
      job.status === 'pending' && job.nextAttemptAt
        ? job.nextAttemptAt.toISOString()
        : null,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    expiredAt: job.expiredAt?.toISOString() ?? null,
    // An expired bundle is deleted: nothing is left to download. What it
    // was stays in the provenance graph (GET /provenance/bundles/{sha512}).
    bundle:
      job.bundle && job.status !== 'expired'
        ? {
            size: job.bundle.size,
            sha512: job.bundle.sha512,
            checksumIndexSha512: job.bundle.indexSha512,
            keyId: job.bundle.keyId,
            downloadUrl: links
              ? links.sign(
                  { jobId: job.id, tenantId: job.tenantId, file: 'bundle' },
                  now,
                )
              : null,
            signatureUrl:
              links && job.bundle.signature
                ? links.sign(
                    {
                      jobId: job.id,
                      tenantId: job.tenantId,
                      file: 'bundle.sig',
                    },
                    now,
                  )
                : null,
          }
        : null,
    ...(options.history && {
      history: options.history.map((t) => ({
        from: t.from,
        to: t.to,
        attempt: t.attempt,
        reason: t.reason,
        at: t.at.toISOString(),
      })),
    }),
  };
}

export type JobView = ReturnType<typeof toJobView>;

/**
 * Seconds left, from the rate items went at since the attempt started;
 * null until there is a rate to go by, or once every item is written.
 */
export function etaSecondsOf(progress: JobProgress, now: Date): number | null {
  const { itemsDone, itemsTotal, attemptStartedAt } = progress;
  if (!attemptStartedAt || itemsDone <= 0 || itemsDone >= itemsTotal) {
    return null;
  }
  const elapsed = now.getTime() - new Date(attemptStartedAt).getTime();
  if (!(elapsed > 0)) return null;
  return Math.ceil(((elapsed / itemsDone) * (itemsTotal - itemsDone)) / 1000);
}

/** The public shape of a stored document: its index row, not its bytes. */
export function toDocumentView(document: EvidenceDocument) {
  const tags = document.metadata.tags;
  return {
    id: document.id,
    tenantId: document.tenantId,
    kind: document.kind,
    format: document.format,
    specVersion: document.specVersion,
    mediaType: document.mediaType,
    fileName: document.fileName,
    size: document.size,
    sha512: document.sha512,
    eventTime: document.eventTime.toISOString(),
    eventTimeSource: document.eventTimeSource,
    tags: Array.isArray(tags) ? (tags as string[]) : [],
    metadata: document.metadata,
    ingestedAt: document.ingestedAt.toISOString(),
  };
}
