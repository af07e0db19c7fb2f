import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/**
 * A real S3-compatible server (s3rver) on an ephemeral port, with a
 * client for it. s3rver does not check request signatures and answers
 * NotImplemented to lifecycle configuration: tests built on it prove
 * nothing about either.
 */
export interface TestS3 {
  endpoint: string;
  client: S3Client;
  /** Creates a bucket (s3rver starts with none). */
  bucket(name: string): Promise<void>;
  close(): Promise<void>;
}

export const S3_CREDENTIALS = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};

export async function startTestS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'dp-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = testClient(endpoint);
  return {
    endpoint,
    client,
    bucket: async (name) => {
      const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A client of the test server, with credentials that may expire. */
export function testClient(endpoint: string, expiration?: Date): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...S3_CREDENTIALS, ...(expiration && { expiration }) },
  });
}
