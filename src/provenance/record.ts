import type { ManifestFile } from '../bundle/index.js';
import type { ExportJob, JobBundle } from '../domain/index.js';
import type { BundleRecord } from './store.js';

/** What the graph records of a bundle just published for `job`. */
export function bundleRecordOf(
  job: Pick<
    ExportJob,
    'id' | 'tenantId' | 'requestedBy' | 'createdAt' | 'windowFrom' | 'windowTo'
  >,
  bundle: Pick<JobBundle, 'sha512' | 'size' | 'keyId'>,
  files: readonly Pick<ManifestFile, 'sha512' | 'kind' | 'path'>[],
  publishedAt: Date,
): BundleRecord {
  return {
    tenantId: job.tenantId,
    job: {
      id: job.id,
      requestedBy: job.requestedBy,
      requestedAt: job.createdAt,
      window: { from: job.windowFrom, to: job.windowTo },
    },
    bundle: {
      sha512: bundle.sha512,
      size: bundle.size,
      keyId: bundle.keyId,
      publishedAt,
    },
    artifacts: files.map((f) => ({
      sha512: f.sha512,
      kind: f.kind,
      path: f.path,
    })),
  };
}
