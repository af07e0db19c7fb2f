export type { ByteRange, ObjectInfo, ObjectStore } from './store.js';
export { LocalObjectStore, assertObjectKey } from './local.js';
