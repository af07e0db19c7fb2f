import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Layout } from '../../src/storage/layout.js';
import { S3ObjectStore, partSizeFor } from '../../src/storage/s3.js';
import { startTestS3, testClient, type TestS3 } from '../support/s3.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
const BUCKET = 'dp-test';

/** `total` random bytes, streamed in 256 KiB chunks; throws after `failAt`. */
function streamOf(bytes: Buffer, failAt?: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += 256 * 1024) {
        if (failAt !== undefined && at >= failAt) {
          throw new Error('the source broke mid-way');
        }
        yield bytes.subarray(at, at + 256 * 1024);
      }
    })(),
  );
}

const sha = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe('partSizeFor', () => {
  it('keeps S3 minimum of 5 MiB for small maximums', () => {
    expect(partSizeFor(1_000_000)).toBe(5 * MIB);
  });

  it('never needs more than 10,000 parts for the largest bundle', () => {
    for (const max of [50e9, 5e12, 48 * 1024 ** 4]) {
      const size = partSizeFor(max);
      expect(Math.ceil(max / size)).toBeLessThanOrEqual(10_000);
      expect(size % MIB).toBe(0);
    }
  });
});

describe('the S3 object store, on s3rver', () => {
  let s3: TestS3;
  let store: S3ObjectStore;
  // Every request the store sends, by command name, with its input.
  let sent: { name: string; input: Record<string, unknown> }[] = [];
  const named = (name: string) => sent.filter((c) => c.name === name);

  beforeAll(async () => {
    s3 = await startTestS3();
    await s3.bucket(BUCKET);
    s3.client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({
          name: context.commandName as string,
          input: args.input as Record<string, unknown>,
        });
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    store = new S3ObjectStore({
      client: s3.client,
      layout: new S3Layout({
        tenantIsolation: 'prefix',
        bucket: BUCKET,
        bucketTemplate: 'dp-{tenant}',
        prefix: 'packager/',
      }),
      partSize: PART,
      queueSize: 2,
    });
  });
  afterAll(async () => {
    await s3?.close();
  });

  describe('when a bundle larger than several parts is put', () => {
    const bytes = randomBytes(3 * PART + 1234567);
    const key = 'bundles/acme/big.zip';

    beforeAll(async () => {
      sent = [];
      const info = await store.put(key, streamOf(bytes));
      expect(info).toEqual({ key, size: bytes.length });
    });

    it('streams it as one multipart upload of four parts', async () => {
      expect(named('CreateMultipartUploadCommand')).toHaveLength(1);
      const parts = named('UploadPartCommand');
      expect(parts.map((p) => p.input.PartNumber).sort()).toEqual([1, 2, 3, 4]);
      expect(named('CompleteMultipartUploadCommand')).toHaveLength(1);
      expect(named('PutObjectCommand')).toHaveLength(0);
      const head = await s3.client.send(
        new HeadObjectCommand({
          Bucket: BUCKET,
          Key: 'packager/acme/bundles/big.zip',
        }),
      );
      expect(head.ContentLength).toBe(bytes.length);
    });

    it('reads it back whole and by ranges, byte for byte', async () => {
      expect(sha(await buffer(await store.get(key)))).toBe(sha(bytes));
      // A range across the boundary between the first and second parts.
      const range = { start: PART - 1000, end: PART + 5000 };
      const part = await buffer(await store.get(key, range));
      expect(part.equals(bytes.subarray(range.start, range.end + 1))).toBe(
        true,
      );
      const tail = await buffer(
        await store.get(key, {
          start: bytes.length - 10,
          end: bytes.length - 1,
        }),
      );
      expect(tail.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    });

    it('answers its size, and null for a key with nothing there', async () => {
      expect(await store.head(key)).toEqual({ key, size: bytes.length });
      expect(await store.head('bundles/acme/none.zip')).toBeNull();
    });
  });

  describe('when the stream fails mid-way through an upload', () => {
    const key = 'staging/acme/job-1/1.zip';
    let failure: unknown;

    beforeAll(async () => {
      sent = [];
      const bytes = randomBytes(4 * PART);
      failure = await store
        .put(key, streamOf(bytes, 2 * PART + 512 * 1024))
        .catch((error: unknown) => error);
    });

    it('rejects with the stream error', () => {
      expect((failure as Error).message).toBe('the source broke mid-way');
    });

    it('aborts the multipart upload it began, completing nothing', () => {
      // s3rver implements neither AbortMultipartUpload nor
      // ListMultipartUploads, so that the parts are gone cannot be read
      // back from it: what is checked is that the abort was sent, for
      // the very upload whose parts were sent.
      const uploadIds = new Set(
        named('UploadPartCommand').map((p) => p.input.UploadId),
      );
      expect(uploadIds.size).toBe(1);
      const aborts = named('AbortMultipartUploadCommand');
      expect(aborts.length).toBeGreaterThan(0);
      expect(new Set(aborts.map((a) => a.input.UploadId))).toEqual(uploadIds);
      expect(named('CompleteMultipartUploadCommand')).toHaveLength(0);
    });

    it('leaves no object behind', async () => {
      expect(await store.head(key)).toBeNull();
      const listed = await s3.client.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'packager/acme/staging/',
        }),
      );
      expect(listed.Contents ?? []).toEqual([]);
    });
  });

  describe('presigned URLs', () => {
    const key = 'bundles/acme/signed.zip';
    const bytes = randomBytes(4096);

    beforeAll(async () => {
      await store.put(key, streamOf(bytes));
    });

    it('read the object without credentials and report their expiry', async () => {
      const before = Date.now();
      const link = await store.signedUrl(key, 120);
      const reply = await fetch(link.url);
      expect(reply.status).toBe(200);
      expect(Buffer.from(await reply.arrayBuffer()).equals(bytes)).toBe(true);
      const expected = before + 120_000;
      expect(Math.abs(link.expiresAt.getTime() - expected)).toBeLessThan(2000);
      expect(new URL(link.url).searchParams.get('X-Amz-Expires')).toBe('120');
    });

    it('stop working once expired (s3rver enforces the expiry)', async () => {
      const link = await store.signedUrl(key, 1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const reply = await fetch(link.url);
      expect(reply.status).toBe(403);
    });

    it('never outlive the credentials that signed them', async () => {
      const expiration = new Date(Date.now() + 30_000);
      const short = new S3ObjectStore({
        client: testClient(s3.endpoint, expiration),
        layout: new S3Layout({
          tenantIsolation: 'prefix',
          bucket: BUCKET,
          bucketTemplate: 'dp-{tenant}',
          prefix: 'packager/',
        }),
        partSize: PART,
      });
      const link = await short.signedUrl(key, 3600);
      expect(link.expiresAt.getTime()).toBeLessThanOrEqual(
        expiration.getTime(),
      );
      const expires = Number(
        new URL(link.url).searchParams.get('X-Amz-Expires'),
      );
      expect(expires).toBeLessThanOrEqual(30);
      expect(expires).toBeGreaterThan(25);
    });
  });

  describe('moving, listing and deleting', () => {
    it('moves an object by copy and delete', async () => {
      await store.put('staging/acme/job-2/1.zip', streamOf(randomBytes(1000)));
      await store.move('staging/acme/job-2/1.zip', 'bundles/acme/job-2.zip');
      expect(await store.head('staging/acme/job-2/1.zip')).toBeNull();
      expect(await store.head('bundles/acme/job-2.zip')).toEqual({
        key: 'bundles/acme/job-2.zip',
        size: 1000,
      });
    });

    it('lists one area across tenants and deletes below a prefix', async () => {
      await store.put('staging/acme/job-3/1.zip', streamOf(randomBytes(10)));
      await store.put('staging/globex/job-4/2.zip', streamOf(randomBytes(20)));
      expect(await store.list('staging')).toEqual([
        { key: 'staging/acme/job-3/1.zip', size: 10 },
        { key: 'staging/globex/job-4/2.zip', size: 20 },
      ]);
      await store.deletePrefix('staging/acme/job-3');
      expect(await store.list('staging')).toEqual([
        { key: 'staging/globex/job-4/2.zip', size: 20 },
      ]);
    });
  });

  describe('with a bucket per tenant', () => {
    it("creates each tenant's bucket and keeps keys inside it", async () => {
      const perTenant = new S3ObjectStore({
        client: s3.client,
        layout: new S3Layout({
          tenantIsolation: 'bucket',
          bucketTemplate: 'dp-tenant-{tenant}',
          prefix: '',
        }),
        partSize: PART,
        createBuckets: true,
      });
      await perTenant.put('bundles/globex/j.zip', streamOf(randomBytes(7)));
      const head = await s3.client.send(
        new HeadObjectCommand({
          Bucket: 'dp-tenant-globex',
          Key: 'bundles/j.zip',
        }),
      );
      expect(head.ContentLength).toBe(7);
      expect(await perTenant.list('bundles')).toEqual([
        { key: 'bundles/globex/j.zip', size: 7 },
      ]);
    });
  });

  describe('retention rules', () => {
    it('fall back to the cleanup, since s3rver does not implement lifecycle', async () => {
      // This proves the fallback only: no lifecycle rule is exercised here.
      const warnings: string[] = [];
      const warned = new S3ObjectStore({
        client: s3.client,
        layout: new S3Layout({
          tenantIsolation: 'prefix',
          bucket: BUCKET,
          bucketTemplate: 'dp-{tenant}',
          prefix: 'packager/',
        }),
        partSize: PART,
        onWarning: (message) => warnings.push(message),
      });
      expect(await warned.prepareTenant('acme', 30)).toBe('cleanup-only');
      expect(warnings).toHaveLength(1);
    });
  });
});
