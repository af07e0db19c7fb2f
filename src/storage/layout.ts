import { assertObjectKey } from './local.js';

/** How tenants are kept apart in S3 (docs/storage.md#key-layout). */
export interface LayoutSettings {
  tenantIsolation: 'prefix' | 'bucket';
  /** The one bucket, in prefix isolation. */
  bucket?: string;
  /** The bucket of each tenant, in bucket isolation: `dp-{tenant}`. */
  bucketTemplate: string;
  /** Put before every object key: empty, or ending in `/`. */
  prefix: string;
}

/** Where one store key lives in S3. */
export interface Location {
  bucket: string;
  key: string;
}

// S3 bucket naming rules, the part that a tenant id can break.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Maps the store's keys, `<area>/<tenant>/<rest>` (area being bundles,
 * staging, quarantine or evidence), onto buckets and object keys:
 *
 * - prefix isolation: `<bucket>/<prefix><tenant>/<area>/<rest>`, so that
 *   one IAM statement or lifecycle filter per tenant covers all of it;
 * - bucket isolation: `<template with tenant>/<prefix><area>/<rest>`.
 */
export class S3Layout {
  constructor(private readonly settings: LayoutSettings) {
    if (settings.tenantIsolation === 'prefix' && !settings.bucket) {
      throw new Error('prefix isolation needs a bucket');
    }
  }

  get isolation(): 'prefix' | 'bucket' {
    return this.settings.tenantIsolation;
  }

  /** The bucket holding a tenant's objects. */
  bucketOf(tenantId: string): string {
    if (this.settings.tenantIsolation === 'prefix') {
      return this.settings.bucket as string;
    }
    const bucket = this.settings.bucketTemplate.replace('{tenant}', tenantId);
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
      throw new Error(
        `tenant ${JSON.stringify(tenantId)} gives the bucket name ` +
          `${JSON.stringify(bucket)}, which S3 does not allow`,
      );
    }
    return bucket;
  }

  /** Where the objects of one area of a tenant live. */
  areaOf(tenantId: string, area: string): Location {
    const { prefix } = this.settings;
    return {
      bucket: this.bucketOf(tenantId),
      key:
        this.settings.tenantIsolation === 'prefix'
          ? `${prefix}${tenantId}/${area}/`
          : `${prefix}${area}/`,
    };
  }

  /** Where a whole key, `<area>/<tenant>/<rest>`, lives. */
  locate(key: string): Location {
    assertObjectKey(key);
    const [area = '', tenantId = '', ...rest] = key.split('/');
    if (!tenantId || rest.length === 0) {
      throw new Error(`object key ${JSON.stringify(key)} names no tenant`);
    }
    const at = this.areaOf(tenantId, area);
    return { bucket: at.bucket, key: at.key + rest.join('/') };
  }

  /**
   * The store key of an object listed below `areaOf(tenantId, area)`:
   * the inverse of locate.
   */
  storeKeyOf(tenantId: string, area: string, objectKey: string): string {
    const { key } = this.areaOf(tenantId, area);
    return `${area}/${tenantId}/${objectKey.slice(key.length)}`;
  }

  /** The tenant of a bucket made from the template, or null. */
  tenantOfBucket(bucket: string): string | null {
    const [head = '', tail = ''] =
      this.settings.bucketTemplate.split('{tenant}');
    if (!bucket.startsWith(head) || !bucket.endsWith(tail)) return null;
    const tenantId = bucket.slice(head.length, bucket.length - tail.length);
    return tenantId.length > 0 ? tenantId : null;
  }

  /** Where tenants are listed from, in prefix isolation. */
  get tenantsPrefix(): Location {
    return {
      bucket: this.settings.bucket as string,
      key: this.settings.prefix,
    };
  }
}
