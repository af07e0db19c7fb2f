import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Location } from './layout.js';

/** CopyObject copies at most 5 GiB in one request. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;

/**
 * Copies an object of any size as a multipart upload of server-side part
 * copies (UploadPartCopy), aborted when any part fails so that no parts
 * are left behind.
 */
export async function copyLarge(
  client: S3Client,
  source: Location,
  target: Location,
  size: number,
  partSize: number,
): Promise<void> {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      ContentType: 'application/zip',
    }),
  );
  const copySource = `${source.bucket}/${source.key
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
  try {
    const parts = [];
    for (let start = 0, n = 1; start < size; start += partSize, n += 1) {
      const end = Math.min(start + partSize, size) - 1;
      const reply = await client.send(
        new UploadPartCopyCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId,
          PartNumber: n,
          CopySource: copySource,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ PartNumber: n, ETag: reply.CopyPartResult?.ETag });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    await client
      .send(
        new AbortMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId,
        }),
      )
      .catch(() => undefined);
    throw error;
  }
}
