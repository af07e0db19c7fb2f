/** The checks the browser runs on a bundle, in the order it runs them. */
export const CHECKS = [
  { id: 'zip', title: 'The file is a readable ZIP' },
  {
    id: 'index',
    title: 'The checksum index (SHA512SUMS) is present and well formed',
  },
  {
    id: 'files',
    title: 'Every file matches its SHA-512 in the checksum index',
  },
  {
    id: 'coverage',
    title: 'No file is missing from the bundle or left out of the index',
  },
  { id: 'signature', title: 'The signature over the checksum index is valid' },
  { id: 'key', title: 'The signing key is one you trust' },
] as const;

export type CheckId = (typeof CHECKS)[number]['id'];

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  detail: string;
}

/**
 * verified: every check passed; intact: nothing failed, but the signer is
 * only the bundle's own key; failed: at least one check failed.
 */
export type Verdict = 'verified' | 'intact' | 'failed';

/** What the page learned of the bundle, for the summary above the checks. */
export interface BundleFacts {
  tenant: string | null;
  window: { from: string; to: string } | null;
  keyId: string | null;
  files: number;
  bytes: number;
}

/** Messages from the verification worker to the page. */
export type VerifyMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'check'; result: CheckResult }
  | { type: 'done'; facts: BundleFacts; verdict: Verdict; elapsedMs: number }
  | { type: 'error'; message: string };

/** What the page sends the worker: the ZIP and, if given, a key file. */
export interface VerifyRequest {
  zip: Blob;
  key: { name: string; text: string } | null;
}
