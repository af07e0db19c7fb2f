export {
  DETECTOR_NAMES,
  findAll,
  luhnValid,
  type DetectorName,
  type Finding,
} from './detectors.js';
export {
  DEFAULT_POLICY,
  RedactionPolicies,
  detectorsOf,
  policiesFromFile,
  policySchema,
  type RedactionAction,
  type RedactionPolicy,
} from './policy.js';
export { DROPPED, Redactor, rulesOf, type RedactorRules } from './redactor.js';
export {
  dlpRulesOf,
  dlpTargetsOf,
  scanBundle,
  scanBundleFile,
  toDlpError,
  type DlpHit,
  type DlpTarget,
} from './dlp.js';
export { isQuietField } from './fields.js';
