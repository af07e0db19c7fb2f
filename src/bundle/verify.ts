import { checkIndex, checkManifest } from './checks.js';
import { BUNDLE_FILES } from './layout.js';
import type { Manifest } from './manifest.js';
import { VERIFY_EXIT, exitCodeOf, type Problem } from './problems.js';
import { checkSignatures } from './sigcheck.js';
import { readZip } from './zipreader.js';

export { VERIFY_EXIT };

/** What `verify` found; ok only when there is no problem at all. */
export interface VerifyReport {
  ok: boolean;
  exitCode: number;
  /** Id of the key the signatures were checked with ('sha256:<hex>'). */
  keyId: string | null;
  /** 'bundle' means the key came from the bundle's own cosign.pub. */
  keySource: 'given' | 'bundle';
  /** File entries read from the ZIP. */
  files: number;
  problems: Problem[];
  manifest?: Manifest;
}

// The small files kept in memory to be parsed, with generous caps; every
// other entry is only streamed through SHA-512.
const KEEP_LIMITS: ReadonlyMap<string, number> = new Map([
  [BUNDLE_FILES.manifest, 256 * 1024 * 1024],
  [BUNDLE_FILES.index, 256 * 1024 * 1024],
  [BUNDLE_FILES.signature, 64 * 1024],
  [BUNDLE_FILES.sigstoreBundle, 1024 * 1024],
  [BUNDLE_FILES.publicKey, 64 * 1024],
]);

/**
 * Verifies a bundle offline: entry names are safe, SHA512SUMS matches every
 * entry and lists them all, manifest.json agrees with it, and both
 * signatures over SHA512SUMS hold with the given key (else with the
 * bundle's own cosign.pub, which proves integrity but not authorship).
 */
export async function verifyBundle(
  zipPath: string,
  options: { publicKeyPem?: string } = {},
): Promise<VerifyReport> {
  const { entries, problems } = await readZip(
    zipPath,
    (path) => KEEP_LIMITS.get(path) ?? null,
  );
  const readable = !problems.some((p) => p.code === 'not-a-zip');

  const index = readable ? checkIndex(entries, problems) : null;
  const manifest = readable
    ? checkManifest(entries, index, problems)
    : undefined;
  const key = readable
    ? checkSignatures(entries, options.publicKeyPem, manifest, problems)
    : { keyId: null, keySource: keySourceOf(options) };

  const exitCode = exitCodeOf(problems);
  return {
    ok: exitCode === VERIFY_EXIT.verified,
    exitCode,
    ...key,
    files: entries.size,
    problems,
    ...(manifest && { manifest }),
  };
}

function keySourceOf(options: {
  publicKeyPem?: string;
}): VerifyReport['keySource'] {
  return options.publicKeyPem === undefined ? 'bundle' : 'given';
}
