export type {
  ByteRange,
  ObjectInfo,
  ObjectStore,
  RetentionRule,
  SignedUrl,
} from './store.js';
export { LocalObjectStore, assertObjectKey } from './local.js';
// The S3 store is loaded only when configured (objectStoreFromConfig):
// the AWS SDK costs every command's start-up otherwise.
export type { S3ObjectStore, S3StoreOptions } from './s3.js';
export type { S3Layout } from './layout.js';
export { objectStoreFromConfig } from './config.js';
