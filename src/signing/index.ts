export type { Signer, StreamSignature } from './signer.js';
export { keyIdOf, publicPemOf, spkiDer, toSigner } from './signer.js';
export {
  SIGNING_ALGORITHMS,
  algorithmOf,
  digestOf,
  verifyMessage,
  verifyStream,
  type SigningAlgorithm,
} from './algorithms.js';
export { decryptCosignKey, encryptCosignKey } from './cosignkey.js';
export {
  loadKeyFileSigner,
  passwordOf,
  readUpTo,
  type KeyFileOptions,
  type PasswordSource,
} from './keyfile.js';
export {
  EMBEDDED_KEY_FILES,
  loadOrCreateEmbeddedSigner,
  type EmbeddedKey,
  type EmbeddedSignerOptions,
} from './embedded.js';
export {
  SIGSTORE_BUNDLE_V03,
  keyHintOf,
  messageDigestOf,
  toCosignSignature,
  toSigstoreBundle,
  toSignatureDer,
  verifyBlobSignature,
  type KeySignedSigstoreBundle,
  type MessageDigestAlgorithm,
} from './formats.js';
export {
  Keyring,
  type JobKeys,
  type JobSigning,
  type RotationResult,
} from './keyring.js';
export type {
  KeyOrigin,
  KeyStatus,
  StoredKey,
  StoredRotation,
} from './keyqueries.js';
export {
  ROTATION_STATEMENT_TYPE,
  checkRotation,
  short,
  toRotationStatement,
  type RotationRecord,
  type RotationStatement,
} from './rotation.js';
export {
  TRUST_FILE_MEDIA_TYPE,
  parseTrustFile,
  toTrustFile,
  toTrustedKeys,
  type PublishedKey,
  type TrustFile,
  type TrustedKeys,
} from './trust.js';
