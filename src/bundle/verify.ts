import {
  keyIdOf,
  toTrustedKeys,
  type PublishedKey,
  type TrustFile,
} from '../signing/index.js';
import { checkIndex, checkManifest } from './checks.js';
import {
  CHECK_NAMES,
  toChecks,
  type Check,
  type CheckName,
} from './checklist.js';
import { checkExpectations, type Expectations } from './expect.js';
import { checkKeyStanding, pickTrustedKey } from './keycheck.js';
import { BUNDLE_FILES } from './layout.js';
import type { Manifest } from './manifest.js';
import { VERIFY_EXIT, exitCodeOf, type Problem } from './problems.js';
import {
  checkSignatures,
  type CheckedKey,
  type KeySource,
} from './sigcheck.js';
import { checkZipSignature } from './zipsig.js';
import { readZip, type ReadEntry } from './zipreader.js';

export { VERIFY_EXIT };

/** What `verify` is told to trust and to expect. */
export interface VerifyOptions {
  /** --key: the one public key to trust (PEM). */
  publicKeyPem?: string;
  /** --trusted-keys: the published key list; with a key, it anchors it. */
  trust?: TrustFile;
  /** Revoked keys whose bundles the verifier accepts anyway. */
  allowRevoked?: readonly string[];
  /** --tenant and --window, which the manifest must match. */
  expect?: Expectations;
  /** --zip-signature: the detached signature of the whole ZIP file. */
  zipSignature?: Buffer;
}

/** What `verify` found; ok only when there is no problem at all. */
export interface VerifyReport {
  ok: boolean;
  exitCode: number;
  /** Id of the key the signatures were checked with ('sha256:<hex>'). */
  keyId: string | null;
  /** 'bundle' means the key came from the bundle's own cosign.pub. */
  keySource: KeySource;
  /** File entries read from the ZIP. */
  files: number;
  /** Every check by name, in the order they run. */
  checks: Check[];
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
 * entry and lists them all, manifest.json agrees with it, both signatures
 * over SHA512SUMS hold with the trusted key (else the bundle's own
 * cosign.pub, which proves integrity but not authorship), the key was in
 * good standing when it signed, and the bundle is what was expected.
 */
export async function verifyBundle(
  zipPath: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const { entries, problems } = await readZip(
    zipPath,
    (path) => KEEP_LIMITS.get(path) ?? null,
  );
  const skipped = new Map<CheckName, string>();
  let key: CheckedKey = { keyId: null, keySource: 'bundle', pem: null };
  let manifest: Manifest | undefined;

  if (problems.some((p) => p.code === 'not-a-zip')) {
    for (const name of AFTER_READING)
      skipped.set(name, 'the ZIP is unreadable');
  } else {
    const index = checkIndex(entries, problems);
    manifest = checkManifest(entries, index, problems);
    key = checkAuthorship(entries, manifest, options, problems, skipped);
    await checkWholeZip(zipPath, key, options, problems, skipped);
    checkExpectations(manifest, options.expect ?? {}, problems);
  }
  skipUnasked(options, skipped);

  const exitCode = exitCodeOf(problems);
  return {
    ok: exitCode === VERIFY_EXIT.verified,
    exitCode,
    keyId: key.keyId,
    keySource: key.keySource,
    files: entries.size,
    checks: toChecks(problems, skipped),
    problems,
    ...(manifest && { manifest }),
  };
}

// When the ZIP cannot be read, no later check can run.
const AFTER_READING = CHECK_NAMES.filter((name) => name !== 'zip-structure');

/** Picks the key to check with, checks the signatures and its standing. */
function checkAuthorship(
  entries: ReadonlyMap<string, ReadEntry>,
  manifest: Manifest | undefined,
  options: VerifyOptions,
  problems: Problem[],
  skipped: Map<CheckName, string>,
): CheckedKey {
  const published = options.trust
    ? trustedKeyOf(entries, manifest, options, problems)
    : null;
  const given = published
    ? { pem: published.publicKeyPem, source: 'trusted' as const }
    : options.publicKeyPem !== undefined && !options.trust
      ? { pem: options.publicKeyPem, source: 'given' as const }
      : undefined;
  const key = checkSignatures(entries, given, manifest, problems);

  if (published) {
    checkKeyStanding(published, manifest, options.allowRevoked ?? [], problems);
  } else if (!options.trust) {
    const why =
      'a single key carries no status or validity window; ' +
      'use --trusted-keys';
    skipped.set('key-status', why);
    skipped.set('key-validity', why);
    if (options.publicKeyPem === undefined) {
      skipped.set(
        'key-trusted',
        "no key given: the bundle's own cosign.pub proves integrity, " +
          'not who signed',
      );
    }
  } else {
    skipped.set('key-status', 'the signing key is not trusted');
    skipped.set('key-validity', 'the signing key is not trusted');
  }
  return key;
}

function trustedKeyOf(
  entries: ReadonlyMap<string, ReadEntry>,
  manifest: Manifest | undefined,
  options: VerifyOptions,
  problems: Problem[],
): PublishedKey | null {
  const anchor = anchorOf(options.publicKeyPem, problems);
  if (anchor === null) return null;
  const trusted = toTrustedKeys(options.trust as TrustFile, anchor);
  for (const message of trusted.chainProblems) {
    problems.push({ code: 'rotation-chain-broken', message });
  }
  return pickTrustedKey(entries, manifest, trusted, problems);
}

/** The key that anchors the rotation chain; null when it is unreadable. */
function anchorOf(
  pem: string | undefined,
  problems: Problem[],
): string | undefined | null {
  if (pem === undefined) return undefined;
  try {
    return keyIdOf(pem);
  } catch {
    problems.push({
      code: 'public-key-invalid',
      message: 'the key given with --key is not a PEM "PUBLIC KEY"',
    });
    return null;
  }
}

async function checkWholeZip(
  zipPath: string,
  key: CheckedKey,
  options: VerifyOptions,
  problems: Problem[],
  skipped: Map<CheckName, string>,
): Promise<void> {
  if (options.zipSignature === undefined) return;
  if (key.pem === null) {
    skipped.set('zip-signature', 'no key to check it with');
    return;
  }
  await checkZipSignature(zipPath, options.zipSignature, key.pem, problems);
}

function skipUnasked(options: VerifyOptions, skipped: Map<CheckName, string>) {
  const unasked: [CheckName, boolean, string][] = [
    ['rotation-chain', !options.trust, 'no --trusted-keys given'],
    ['zip-signature', !options.zipSignature, 'no --zip-signature given'],
    ['tenant', options.expect?.tenant === undefined, 'no --tenant given'],
    ['window', options.expect?.window === undefined, 'no --window given'],
  ];
  for (const [name, skip, why] of unasked) {
    if (skip && !skipped.has(name)) skipped.set(name, why);
  }
}
