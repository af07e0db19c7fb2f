/**
 * Exit codes of `disclosure-packager verify`; 1 is left for usage errors.
 * When problems of several classes occur, the first class wins in the order
 * unreadable, signature, integrity, expectation (docs/verification.md).
 */
export const VERIFY_EXIT = {
  verified: 0,
  integrity: 2,
  signature: 3,
  unreadable: 4,
  expectation: 5,
} as const;

// Each problem code belongs to exactly one class, which sets the exit code.
const CLASSES = {
  unreadable: [
    'not-a-zip',
    'zip-corrupt',
    'unsafe-path',
    'duplicate-entry',
    'too-many-entries',
    'entry-too-large',
    'entry-unreadable',
    'unsupported-entry',
  ],
  signature: [
    'signature-missing',
    'signature-invalid',
    'public-key-missing',
    'public-key-invalid',
    'key-mismatch',
    'sigstore-bundle-invalid',
    'key-untrusted',
    'key-revoked',
    'key-outside-validity',
    'rotation-chain-broken',
    'zip-signature-invalid',
  ],
  integrity: [
    'checksum-mismatch',
    'missing-file',
    'unlisted-file',
    'index-malformed',
    'manifest-invalid',
    'manifest-mismatch',
  ],
  expectation: ['tenant-mismatch', 'window-mismatch'],
} as const;

type ProblemClass = keyof typeof CLASSES;
export type ProblemCode = (typeof CLASSES)[ProblemClass][number];

/** One thing wrong with a bundle, named for a person to act on. */
export interface Problem {
  code: ProblemCode;
  path?: string;
  message: string;
}

/** The exit code for a list of problems: 0 when there are none. */
export function exitCodeOf(problems: readonly Problem[]): number {
  const order = [
    'unreadable',
    'signature',
    'integrity',
    'expectation',
  ] as const;
  for (const cls of order) {
    const codes: readonly string[] = CLASSES[cls];
    if (problems.some((p) => codes.includes(p.code))) return VERIFY_EXIT[cls];
  }
  return VERIFY_EXIT.verified;
}
