import path from 'node:path';
import type { Config } from '../config/index.js';
import { LocalObjectStore } from './local.js';
import type { ObjectStore } from './store.js';

/**
 * The configured object store: the data directory's `objects` folder by
 * default, or S3 (DP_STORAGE=s3). S3 credentials come from the SDK's own
 * chain: AWS_ACCESS_KEY_ID and friends, a profile, or the instance role.
 */
export async function objectStoreFromConfig(
  config: Pick<Config, 'dataDir' | 'storage' | 'jobs'>,
  onWarning?: (message: string, cause: unknown) => void,
): Promise<ObjectStore> {
  const { storage } = config;
  if (storage.kind === 'local') {
    return new LocalObjectStore(path.join(config.dataDir, 'objects'));
  }
  const { s3 } = storage;
  const [{ S3Client }, { S3Layout }, { S3ObjectStore, partSizeFor }] =
    await Promise.all([
      import('@aws-sdk/client-s3'),
      import('./layout.js'),
      import('./s3.js'),
    ]);
  const client = new S3Client({
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    ...(s3.endpoint && { endpoint: s3.endpoint }),
  });
  return new S3ObjectStore({
    client,
    layout: new S3Layout(s3),
    partSize: partSizeFor(config.jobs.bundleMaxBytes),
    createBuckets: s3.createBuckets,
    onWarning,
  });
}
