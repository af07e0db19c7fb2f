import {
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface RetentionTarget {
  tenantId: string;
  bucket: string;
  /** The object key prefix of the tenant's bundles. */
  bundlesPrefix: string;
  /** The prefix of its staging uploads. */
  stagingPrefix: string;
  retentionDays: number;
}

/**
 * Sets the tenant's two lifecycle rules on its bucket, keeping every
 * other rule there: bundles expire after the retention period, and
 * multipart uploads left incomplete in staging are aborted after a day.
 * A bucket holds one lifecycle configuration, replaced whole by each put,
 * so the current one is read and merged first (rules of one tenant are
 * told apart by their ID).
 */
export async function applyRetentionRule(
  client: S3Client,
  target: RetentionTarget,
): Promise<void> {
  const current = await readRules(client, target.bucket);
  const ids = [
    `dp-retention-${target.tenantId}`,
    `dp-staging-${target.tenantId}`,
  ];
  const rules: LifecycleRule[] = [
    ...current.filter((r) => !ids.includes(r.ID ?? '')),
    {
      ID: ids[0],
      Status: 'Enabled',
      Filter: { Prefix: target.bundlesPrefix },
      // S3 counts days from creation and rounds up to the next midnight
      // UTC: an object may outlive its retention by up to a day, which
      // the scheduled cleanup does not wait for.
      Expiration: { Days: target.retentionDays },
    },
    {
      ID: ids[1],
      Status: 'Enabled',
      Filter: { Prefix: target.stagingPrefix },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      Expiration: { Days: 2 },
    },
  ];
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: target.bucket,
      LifecycleConfiguration: { Rules: rules },
    }),
  );
}

async function readRules(
  client: S3Client,
  bucket: string,
): Promise<LifecycleRule[]> {
  try {
    const reply = await client.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }),
    );
    return reply.Rules ?? [];
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchLifecycleConfiguration') return [];
    throw error;
  }
}
