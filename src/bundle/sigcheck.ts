import {
  SIGSTORE_BUNDLE_V03,
  keyHintOf,
  keyIdOf,
  messageDigestOf,
  verifyBlobSignature,
  type KeySignedSigstoreBundle,
} from '../signing/index.js';
import { BUNDLE_FILES } from './layout.js';
import type { Manifest } from './manifest.js';
import type { Problem } from './problems.js';
import type { ReadEntry } from './zipreader.js';

type Entries = ReadonlyMap<string, ReadEntry>;

/** The key a bundle was checked with, and where it came from. */
export interface CheckedKey {
  keyId: string | null;
  keySource: KeySource;
  /** The PEM the signatures were checked with. */
  pem: string | null;
}

/** Where the key came from: --key, --trusted-keys, or the bundle itself. */
export type KeySource = 'given' | 'trusted' | 'bundle';

/**
 * Checks the detached signature and the Sigstore bundle over SHA512SUMS
 * with the given key, else with the bundle's own cosign.pub.
 */
export function checkSignatures(
  entries: Entries,
  given: { pem: string; source: KeySource } | undefined,
  manifest: Manifest | undefined,
  problems: Problem[],
): CheckedKey {
  const keySource = given?.source ?? 'bundle';
  const key = resolveKey(entries, given?.pem, problems);
  if (key === null) return { keyId: null, keySource, pem: null };

  checkKeyNames(entries, key, manifest, problems);
  const index = entries.get(BUNDLE_FILES.index)?.data;
  if (index) {
    checkDetached(entries, index, key.pem, problems);
    checkSigstoreBundle(entries, index, key.pem, problems);
  }
  return { keyId: key.keyId, keySource, pem: key.pem };
}

interface Key {
  pem: string;
  keyId: string;
}

function resolveKey(
  entries: Entries,
  givenKeyPem: string | undefined,
  problems: Problem[],
): Key | null {
  const pem = givenKeyPem ?? entries.get(BUNDLE_FILES.publicKey)?.data;
  if (pem === undefined || pem === null) {
    problems.push({
      code: 'public-key-missing',
      path: BUNDLE_FILES.publicKey,
      message: 'no key was given and the bundle holds no cosign.pub',
    });
    return null;
  }
  const text = pem.toString();
  try {
    return { pem: text, keyId: keyIdOf(text) };
  } catch {
    problems.push({
      code: 'public-key-invalid',
      ...(givenKeyPem === undefined && { path: BUNDLE_FILES.publicKey }),
      message: 'the public key is not a PEM "PUBLIC KEY"',
    });
    return null;
  }
}

/** The bundle must name the key it was checked with, everywhere. */
function checkKeyNames(
  entries: Entries,
  key: Key,
  manifest: Manifest | undefined,
  problems: Problem[],
) {
  const mismatch = (path: string, other: string) =>
    problems.push({
      code: 'key-mismatch',
      path,
      message: `${path} names key ${other}, not ${key.keyId}`,
    });
  const bundled = entries.get(BUNDLE_FILES.publicKey)?.data;
  const bundledId = bundled ? safeKeyId(bundled.toString()) : null;
  if (bundledId !== null && bundledId !== key.keyId) {
    mismatch(BUNDLE_FILES.publicKey, bundledId);
  }
  const named = manifest?.signing?.keyId;
  if (typeof named === 'string' && named !== key.keyId) {
    mismatch(BUNDLE_FILES.manifest, named);
  }
}

function checkDetached(
  entries: Entries,
  index: Buffer,
  pem: string,
  problems: Problem[],
) {
  const path = BUNDLE_FILES.signature;
  const signature = entries.get(path)?.data;
  if (!signature) {
    problems.push({ code: 'signature-missing', path, message: absent(path) });
  } else if (!verifyBlobSignature(index, signature, pem)) {
    problems.push({
      code: 'signature-invalid',
      path,
      message: `${path} is not a valid signature of SHA512SUMS by this key`,
    });
  }
}

function checkSigstoreBundle(
  entries: Entries,
  index: Buffer,
  pem: string,
  problems: Problem[],
) {
  const path = BUNDLE_FILES.sigstoreBundle;
  const data = entries.get(path)?.data;
  if (!data) {
    problems.push({ code: 'signature-missing', path, message: absent(path) });
    return;
  }
  const bundle = parseSigstoreBundle(data);
  const fail = (code: Problem['code'], message: string) =>
    problems.push({ code, path, message });
  if (bundle === null) {
    return fail('sigstore-bundle-invalid', 'not a key-signed v0.3 bundle');
  }
  if (bundle.verificationMaterial.publicKey.hint !== keyHintOf(pem)) {
    fail('key-mismatch', 'its public key hint names another key');
  }
  // @sigstore/verify leaves this digest unchecked; cosign checks it, so do we.
  const { algorithm, digest } = bundle.messageSignature.messageDigest;
  const expected = messageDigestOf(index, pem);
  if (algorithm !== expected.algorithm || digest !== expected.digest) {
    fail(
      'signature-invalid',
      `its messageDigest is not the ${expected.algorithm} of SHA512SUMS`,
    );
  }
  if (!verifyBlobSignature(index, bundle.messageSignature.signature, pem)) {
    fail('signature-invalid', 'its signature does not verify with this key');
  }
}

function parseSigstoreBundle(data: Buffer): KeySignedSigstoreBundle | null {
  try {
    const b = JSON.parse(data.toString('utf8')) as KeySignedSigstoreBundle;
    const ok =
      b.mediaType === SIGSTORE_BUNDLE_V03 &&
      typeof b.verificationMaterial?.publicKey?.hint === 'string' &&
      typeof b.messageSignature?.messageDigest?.digest === 'string' &&
      typeof b.messageSignature.signature === 'string';
    return ok ? b : null;
  } catch {
    return null;
  }
}

function safeKeyId(pem: string): string | null {
  try {
    return keyIdOf(pem);
  } catch {
    return null;
  }
}

function absent(path: string): string {
  return `${path} is not in the ZIP`;
}
