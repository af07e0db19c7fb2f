import { BUNDLE_FILES } from './layout.js';
import type { Problem, ProblemCode } from './problems.js';

/**
 * The checks `verify` reports, in the order it runs them. Each problem
 * code belongs to one check; docs/verification.md describes each.
 */
export const CHECK_NAMES = Object.freeze([
  'zip-structure',
  'checksum-index',
  'manifest',
  'signature',
  'sigstore-bundle',
  'key-trusted',
  'key-status',
  'key-validity',
  'rotation-chain',
  'zip-signature',
  'tenant',
  'window',
] as const);

export type CheckName = (typeof CHECK_NAMES)[number];

/** One named check and how it went. */
export interface Check {
  name: CheckName;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it was skipped, or the problems that failed it. */
  detail: string;
}

const CHECK_OF_CODE: Record<ProblemCode, CheckName> = {
  'not-a-zip': 'zip-structure',
  'zip-corrupt': 'zip-structure',
  'unsafe-path': 'zip-structure',
  'duplicate-entry': 'zip-structure',
  'too-many-entries': 'zip-structure',
  'entry-too-large': 'zip-structure',
  'entry-unreadable': 'zip-structure',
  'unsupported-entry': 'zip-structure',
  'checksum-mismatch': 'checksum-index',
  'missing-file': 'checksum-index',
  'unlisted-file': 'checksum-index',
  'index-malformed': 'checksum-index',
  'manifest-invalid': 'manifest',
  'manifest-mismatch': 'manifest',
  'signature-missing': 'signature',
  'signature-invalid': 'signature',
  'public-key-missing': 'signature',
  'public-key-invalid': 'signature',
  'key-mismatch': 'signature',
  'sigstore-bundle-invalid': 'sigstore-bundle',
  'key-untrusted': 'key-trusted',
  'key-revoked': 'key-status',
  'key-outside-validity': 'key-validity',
  'rotation-chain-broken': 'rotation-chain',
  'zip-signature-invalid': 'zip-signature',
  'tenant-mismatch': 'tenant',
  'window-mismatch': 'window',
};

/** The check a problem fails; the Sigstore bundle's own file is its own. */
export function checkOf(problem: Problem): CheckName {
  if (problem.path === BUNDLE_FILES.sigstoreBundle) return 'sigstore-bundle';
  return CHECK_OF_CODE[problem.code];
}

/**
 * Every check with its outcome: failed when a problem belongs to it,
 * skipped when the verifier said why it did not run, else passed.
 */
export function toChecks(
  problems: readonly Problem[],
  skipped: ReadonlyMap<CheckName, string>,
): Check[] {
  return CHECK_NAMES.map((name) => {
    const failures = problems.filter((p) => checkOf(p) === name);
    if (failures.length > 0) {
      const detail = failures.map((p) => p.message).join('; ');
      return { name, status: 'failed', detail };
    }
    const reason = skipped.get(name);
    if (reason !== undefined)
      return { name, status: 'skipped', detail: reason };
    return { name, status: 'passed', detail: '' };
  });
}
