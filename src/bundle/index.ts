export { assembleBundle } from './assemble.js';
export type {
  AssembleOptions,
  AssembleProgress,
  AssembleResult,
  BundleSource,
} from './source.js';
export type { EntryContent } from './zipwriter.js';
export {
  JOB_FIELDS,
  MANIFEST_VERSION,
  type KindSummary,
  type Manifest,
  type ManifestFile,
  type ManifestProof,
  type ManifestRedaction,
} from './manifest.js';
export { BUNDLE_FILES } from './layout.js';
export { toSafeName } from './names.js';
export { COSIGN_COMMANDS, VERIFY_COMMANDS } from './readme.js';
export {
  VERIFY_EXIT,
  verifyBundle,
  type VerifyOptions,
  type VerifyReport,
} from './verify.js';
export { CHECK_NAMES, type Check, type CheckName } from './checklist.js';
export type { Expectations } from './expect.js';
export type { Problem, ProblemCode } from './problems.js';
export { formatReport } from './report.js';
