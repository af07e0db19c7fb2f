import {
  keyIdOf,
  type PublishedKey,
  type TrustedKeys,
} from '../signing/index.js';
import { BUNDLE_FILES } from './layout.js';
import type { Manifest } from './manifest.js';
import type { Problem } from './problems.js';
import type { ReadEntry } from './zipreader.js';

type Entries = ReadonlyMap<string, ReadEntry>;

/**
 * Finds the key that signed the bundle (the manifest names it, else the
 * bundled cosign.pub) among the trusted keys.
 */
export function pickTrustedKey(
  entries: Entries,
  manifest: Manifest | undefined,
  trusted: TrustedKeys,
  problems: Problem[],
): PublishedKey | null {
  const keyId = signingKeyIdOf(entries, manifest);
  const key = keyId === null ? undefined : trusted.keys.get(keyId);
  if (key) return key;
  problems.push({
    code: 'key-untrusted',
    message:
      keyId === null
        ? 'the bundle names no signing key'
        : `the bundle was signed by ${keyId}, which is not a trusted key`,
  });
  return null;
}

/**
 * A trusted key must not be revoked (unless the verifier accepts that
 * key anyway) and must have been valid when the export took it.
 */
export function checkKeyStanding(
  key: PublishedKey,
  manifest: Manifest | undefined,
  allowRevoked: readonly string[],
  problems: Problem[],
): void {
  if (key.status === 'revoked' && !allowRevoked.includes(key.keyId)) {
    const reason = key.revocationReason ? ` (${key.revocationReason})` : '';
    problems.push({
      code: 'key-revoked',
      message:
        `${key.keyId} was revoked on ${key.revokedAt ?? 'an unknown date'}` +
        `${reason}; nothing it signed is trusted`,
    });
  }
  const signedAt = signedAtOf(manifest);
  if (signedAt === null) {
    problems.push({
      code: 'key-outside-validity',
      path: BUNDLE_FILES.manifest,
      message: 'manifest.json does not say when the bundle was signed',
    });
    return;
  }
  const from = Date.parse(key.validFrom);
  const until = key.validUntil === null ? Infinity : Date.parse(key.validUntil);
  if (signedAt.getTime() < from || signedAt.getTime() > until) {
    problems.push({
      code: 'key-outside-validity',
      message:
        `signed at ${signedAt.toISOString()}, outside the key's validity ` +
        `${key.validFrom} to ${key.validUntil ?? 'now'}`,
    });
  }
}

/** When the export took its key; bundles before signedAt give createdAt. */
export function signedAtOf(manifest: Manifest | undefined): Date | null {
  const text = manifest?.signing?.signedAt ?? manifest?.job?.createdAt;
  if (typeof text !== 'string') return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time;
}

function signingKeyIdOf(
  entries: Entries,
  manifest: Manifest | undefined,
): string | null {
  const named = manifest?.signing?.keyId;
  if (typeof named === 'string') return named;
  const pem = entries.get(BUNDLE_FILES.publicKey)?.data;
  try {
    return pem ? keyIdOf(pem.toString()) : null;
  } catch {
    return null;
  }
}
