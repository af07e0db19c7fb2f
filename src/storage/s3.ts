import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { copyLarge, MAX_SINGLE_COPY_BYTES } from './copy.js';
import { applyRetentionRule } from './lifecycle.js';
import type { S3Layout, Location } from './layout.js';
import type {
  ByteRange,
  ObjectInfo,
  ObjectStore,
  RetentionRule,
  SignedUrl,
} from './store.js';

const MIB = 1024 * 1024;
/** S3's limits on multipart uploads. */
const MIN_PART_BYTES = 5 * MIB;
const MAX_PART_BYTES = 5 * 1024 * MIB;
const MAX_PARTS = 10_000;
/** SigV4 presigned URLs live at most seven days. */
const MAX_PRESIGN_SECONDS = 7 * 86_400;

/**
 * The part size that uploads an object of up to `maxBytes` in at most
 * 10,000 equal parts: never below S3's 5 MiB minimum, rounded up to a
 * whole MiB.
 */
export function partSizeFor(maxBytes: number): number {
  const needed = Math.ceil(maxBytes / MAX_PARTS);
  const rounded = Math.ceil(needed / MIB) * MIB;
  const size = Math.max(MIN_PART_BYTES, rounded);
  if (size > MAX_PART_BYTES) {
    throw new Error(
      `objects of ${maxBytes} bytes do not fit in ${MAX_PARTS} parts of ` +
        'at most 5 GiB',
    );
  }
  return size;
}

export interface S3StoreOptions {
  client: S3Client;
  layout: S3Layout;
  /** Bytes per part of a multipart upload (see partSizeFor). */
  partSize: number;
  /** Parts uploaded at once; memory used is about partSize × this. */
  queueSize?: number;
  /** Create a tenant's bucket when it is missing (bucket isolation). */
  createBuckets?: boolean;
  /** Told when a tenant's lifecycle rule cannot be set. */
  onWarning?: (message: string, cause: unknown) => void;
}

/**
 * Objects in an S3-compatible service. Puts stream as multipart uploads
 * that are aborted when they fail, so a failed put leaves neither an
 * object nor parts; S3 makes an object visible only when its upload
 * completes, which gives the all-or-nothing put the interface asks for.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly layout: S3Layout;
  private readonly buckets = new Map<string, Promise<void>>();

  constructor(private readonly options: S3StoreOptions) {
    this.client = options.client;
    this.layout = options.layout;
  }

  async put(
    key: string,
    body: Readable | AsyncIterable<Uint8Array>,
  ): Promise<ObjectInfo> {
    const at = this.layout.locate(key);
    await this.ensureBucket(at.bucket);
    let size = 0;
    let sourceError: unknown;
    const counted = Readable.from(
      (async function* () {
        try {
          for await (const chunk of body as AsyncIterable<Uint8Array>) {
            size += chunk.length;
            yield chunk;
          }
        } catch (error) {
          sourceError = error;
          throw error;
        }
      })(),
    );
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: at.bucket,
        Key: at.key,
        Body: counted,
        ContentType: key.endsWith('.zip')
          ? 'application/zip'
          : 'application/octet-stream',
      },
      partSize: this.options.partSize,
      queueSize: this.options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      counted.destroy();
      // lib-storage aborts its upload; a part still in flight as it did
      // can outlive that, so whatever remains for this key goes too.
      await this.abortUploads(at).catch(() => undefined);
      // The source's failure explains more than the abort that followed.
      throw sourceError ?? error;
    }
    return { key, size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const at = this.layout.locate(key);
    const reply = await this.client.send(
      new GetObjectCommand({
        Bucket: at.bucket,
        Key: at.key,
        ...(range && { Range: `bytes=${range.start}-${range.end}` }),
      }),
    );
    return reply.Body as Readable;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const at = this.layout.locate(key);
    try {
      const reply = await this.client.send(
        new HeadObjectCommand({ Bucket: at.bucket, Key: at.key }),
      );
      return { key, size: reply.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const at = this.layout.locate(key);
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: at.bucket, Key: at.key }),
      );
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /**
   * CopyObject then DeleteObject: the copy appears at `to` whole, as
   * S3 writes every object. Past 5 GiB, a single copy is refused, so the
   * copy is multipart (UploadPartCopy), aborted when it fails.
   */
  async move(from: string, to: string): Promise<void> {
    const source = this.layout.locate(from);
    const target = this.layout.locate(to);
    await this.ensureBucket(target.bucket);
    const info = await this.client.send(
      new HeadObjectCommand({ Bucket: source.bucket, Key: source.key }),
    );
    const size = info.ContentLength ?? 0;
    if (size > MAX_SINGLE_COPY_BYTES) {
      await copyLarge(this.client, source, target, size, this.copyPartSize);
    } else {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          CopySource: copySourceOf(source),
        }),
      );
    }
    await this.client.send(
      new DeleteObjectCommand({ Bucket: source.bucket, Key: source.key }),
    );
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const objects: ObjectInfo[] = [];
    for (const scope of await this.scopesOf(prefix)) {
      for await (const item of this.listObjects(scope.at)) {
        objects.push({
          key: this.layout.storeKeyOf(scope.tenantId, scope.area, item.key),
          size: item.size,
        });
      }
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const scope of await this.scopesOf(prefix)) {
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await this.client.send(
          new DeleteObjectsCommand({
            Bucket: scope.at.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        batch = [];
      };
      for await (const item of this.listObjects(scope.at)) {
        batch.push(item.key);
        if (batch.length === 1000) await flush();
      }
      await flush();
    }
  }

  /**
   * A presigned GET. Its lifetime is cut to what the signing credentials
   * have left (temporary credentials expire, and the link with them) and
   * to SigV4's seven days; the expiry reported is the one that applies.
   */
  async signedUrl(key: string, expiresInSeconds: number): Promise<SignedUrl> {
    const at = this.layout.locate(key);
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const credentials = await this.client.config.credentials();
    let seconds = Math.min(Math.floor(expiresInSeconds), MAX_PRESIGN_SECONDS);
    if (credentials.expiration) {
      const left = Math.floor(
        (credentials.expiration.getTime() - signingDate.getTime()) / 1000,
      );
      seconds = Math.min(seconds, left);
    }
    if (seconds < 1) {
      throw new Error('the storage credentials expire before a link could');
    }
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: at.bucket, Key: at.key }),
      { expiresIn: seconds, signingDate },
    );
    return { url, expiresAt: new Date(signingDate.getTime() + seconds * 1000) };
  }

  async prepareTenant(
    tenantId: string,
    retentionDays: number,
  ): Promise<RetentionRule> {
    const bundles = this.layout.areaOf(tenantId, 'bundles');
    await this.ensureBucket(bundles.bucket);
    try {
      await applyRetentionRule(this.client, {
        tenantId,
        bucket: bundles.bucket,
        bundlesPrefix: bundles.key,
        stagingPrefix: this.layout.areaOf(tenantId, 'staging').key,
        retentionDays,
      });
      return 'lifecycle';
    } catch (error) {
      // s3rver, and some other S3-compatible stores, answer
      // NotImplemented: the scheduled cleanup then does it all.
      this.options.onWarning?.(
        `no lifecycle rule for tenant ${tenantId} on bucket ` +
          `${bundles.bucket}; the scheduled cleanup expires its bundles`,
        error,
      );
      return 'cleanup-only';
    }
  }

  private get copyPartSize(): number {
    // Copies are read server-side: bigger parts, fewer requests.
    return Math.max(this.options.partSize, 512 * MIB);
  }

  /** Creates a missing bucket once per process, when allowed to. */
  private ensureBucket(bucket: string): Promise<void> {
    if (!this.options.createBuckets) return Promise.resolve();
    let ready = this.buckets.get(bucket);
    if (!ready) {
      ready = this.createIfMissing(bucket);
      ready.catch(() => this.buckets.delete(bucket));
      this.buckets.set(bucket, ready);
    }
    return ready;
  }

  private async createIfMissing(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  /**
   * The places a store prefix covers: one tenant's area when the prefix
   * names a tenant (`bundles/acme`), else that area of every tenant.
   */
  private async scopesOf(
    prefix: string,
  ): Promise<{ tenantId: string; area: string; at: Location }[]> {
    const [area = '', tenantId, ...rest] = prefix
      .split('/')
      .filter((s) => s.length > 0);
    const tenants = tenantId ? [tenantId] : await this.tenants();
    return tenants.map((t) => {
      const base = this.layout.areaOf(t, area);
      const below = rest.length > 0 ? `${rest.join('/')}/` : '';
      return { tenantId: t, area, at: { ...base, key: base.key + below } };
    });
  }

  /** Every tenant with objects: prefixes, or buckets of the template. */
  private async tenants(): Promise<string[]> {
    if (this.layout.isolation === 'bucket') {
      const reply = await this.client.send(new ListBucketsCommand({}));
      return (reply.Buckets ?? [])
        .map((b) => this.layout.tenantOfBucket(b.Name ?? ''))
        .filter((t): t is string => t !== null);
    }
    const root = this.layout.tenantsPrefix;
    const tenants = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: root.bucket,
          Prefix: root.key,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? '').slice(root.key.length, -1);
        if (name) tenants.add(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (tenants.size > 0) return [...tenants];
    // Some S3-compatible servers (s3rver among them) answer a delimited
    // listing with nothing at all. An empty answer is then checked by a
    // plain listing, which costs one request on a store that is empty.
    for await (const item of this.listObjects(root)) {
      const name = item.key.slice(root.key.length).split('/')[0];
      if (name) tenants.add(name);
    }
    return [...tenants];
  }

  private async *listObjects(
    at: Location,
  ): AsyncGenerator<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: at.bucket,
            Prefix: at.key,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        if (isMissing(error)) return; // the tenant's bucket is not made yet
        throw error;
      }
      for (const item of page.Contents ?? []) {
        yield { key: item.Key ?? '', size: item.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async abortUploads(at: Location): Promise<void> {
    const reply = await this.client.send(
      new ListMultipartUploadsCommand({ Bucket: at.bucket, Prefix: at.key }),
    );
    for (const upload of reply.Uploads ?? []) {
      if (upload.Key !== at.key) continue;
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: at.bucket,
          Key: at.key,
          UploadId: upload.UploadId,
        }),
      );
    }
  }
}

/** CopySource is `bucket/key`, the key URL-encoded segment by segment. */
export function copySourceOf(at: Location): string {
  return `${at.bucket}/${at.key.split('/').map(encodeURIComponent).join('/')}`;
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NotFound' ||
    e.name === 'NoSuchKey' ||
    e.name === 'NoSuchBucket' ||
    e.$metadata?.httpStatusCode === 404
  );
}
