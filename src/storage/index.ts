export type {
  ByteRange,
  ObjectInfo,
  ObjectStore,
  RetentionRule,
  SignedUrl,
} from './store.js';
export { LocalObjectStore, assertObjectKey } from './local.js';
export { S3ObjectStore, partSizeFor, type S3StoreOptions } from './s3.js';
export { S3Layout } from './layout.js';
export { objectStoreFromConfig } from './config.js';
