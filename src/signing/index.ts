export type { Signer, SigningAlgorithm } from './signer.js';
export { keyIdOf, spkiDer, toSigner } from './signer.js';
export { decryptCosignKey, encryptCosignKey } from './cosignkey.js';
export {
  EMBEDDED_KEY_FILES,
  loadOrCreateEmbeddedSigner,
  type EmbeddedSignerOptions,
} from './embedded.js';
export {
  SIGSTORE_BUNDLE_V03,
  keyHintOf,
  toCosignSignature,
  toSigstoreBundle,
  toSignatureDer,
  verifyBlobSignature,
  type KeySignedSigstoreBundle,
} from './formats.js';
