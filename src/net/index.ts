export {
  allowListEntryProblem,
  assertPublicUrl,
  type CheckedUrl,
  type Resolve,
  type UrlPolicy,
} from './urlguard.js';
