import { z } from 'zod';
import { PackagerError } from '../domain/index.js';
import { SIGNING_ALGORITHMS } from './algorithms.js';
import type { StoredKey, StoredRotation } from './keyqueries.js';
import { checkRotation, type RotationRecord } from './rotation.js';
import { keyIdOf } from './signer.js';

/** Media type of the published key list (GET /signing-keys). */
export const TRUST_FILE_MEDIA_TYPE =
  'application/vnd.disclosure-packager.signing-keys+json;version=1';

const iso = z.iso.datetime({ offset: true });

const publishedKey = z.object({
  keyId: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  algorithm: z.enum(SIGNING_ALGORITHMS),
  status: z.enum(['active', 'retired', 'revoked']),
  publicKeyPem: z.string().min(1),
  validFrom: iso,
  validUntil: iso.nullable(),
  revokedAt: iso.nullable(),
  revocationReason: z.string().nullable(),
});

const rotationRecord = z.object({
  previousKeyId: z.string(),
  nextKeyId: z.string(),
  rotatedAt: iso,
  statement: z.string(),
  signature: z.string(),
});

const trustFile = z.object({
  mediaType: z.literal(TRUST_FILE_MEDIA_TYPE),
  keys: z.array(publishedKey),
  rotations: z.array(rotationRecord),
});

export type PublishedKey = z.infer<typeof publishedKey>;
export type TrustFile = z.infer<typeof trustFile>;

/** The published form of the keyring: every key, every rotation. */
export function toTrustFile(
  keys: readonly StoredKey[],
  rotations: readonly StoredRotation[],
): TrustFile {
  return {
    mediaType: TRUST_FILE_MEDIA_TYPE,
    keys: keys.map((key) => ({
      keyId: key.keyId,
      fingerprint: key.keyId.slice('sha256:'.length),
      algorithm: key.algorithm,
      status: key.status,
      publicKeyPem: key.publicKeyPem,
      validFrom: key.validFrom.toISOString(),
      validUntil: key.validUntil?.toISOString() ?? null,
      revokedAt: key.revokedAt?.toISOString() ?? null,
      revocationReason: key.revocationReason,
    })),
    rotations: rotations.map((r) => ({
      previousKeyId: r.previousKeyId,
      nextKeyId: r.nextKeyId,
      rotatedAt: r.rotatedAt.toISOString(),
      statement: r.statement,
      signature: r.signature,
    })),
  };
}

/**
 * Reads a trust file. Each key's id must be the fingerprint of its own
 * PEM, so a list cannot pair a trusted id with another key.
 */
export function parseTrustFile(text: string): TrustFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid('it is not JSON', cause);
  }
  const parsed = trustFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  for (const key of parsed.data.keys) {
    if (safeKeyId(key.publicKeyPem) !== key.keyId) {
      throw invalid(`key ${key.keyId} is not the fingerprint of its PEM`);
    }
  }
  return parsed.data;
}

/** The keys a verifier may trust, and what is wrong with the chain. */
export interface TrustedKeys {
  keys: ReadonlyMap<string, PublishedKey>;
  chainProblems: string[];
}

/**
 * Checks every rotation record and decides which keys to trust. With an
 * anchor (a key the customer pinned earlier), only keys reached from it
 * through valid rotations count; without one, the whole list does.
 */
export function toTrustedKeys(
  trust: TrustFile,
  anchorKeyId?: string,
): TrustedKeys {
  const byId = new Map(trust.keys.map((k) => [k.keyId, k]));
  const chainProblems: string[] = [];
  const valid: RotationRecord[] = [];
  for (const record of trust.rotations) {
    const problem = checkRotation(
      record,
      byId.get(record.previousKeyId)?.publicKeyPem,
      byId.get(record.nextKeyId)?.publicKeyPem,
    );
    if (problem) chainProblems.push(problem);
    else valid.push(record);
  }
  if (anchorKeyId === undefined) return { keys: byId, chainProblems };
  if (!byId.has(anchorKeyId)) {
    chainProblems.push(`the pinned key ${anchorKeyId} is not in the list`);
    return { keys: new Map(), chainProblems };
  }
  const { keys, stoppedAt } = reachable(byId, valid, anchorKeyId);
  for (const keyId of stoppedAt) {
    chainProblems.push(
      `the rotation chain stops at ${keyId}, which is revoked: a hand-over ` +
        'signed by a revoked key proves nothing; pin a later key out of band',
    );
  }
  return { keys, chainProblems };
}

/**
 * The keys reached from the anchor through valid rotations. A revoked key
 * is reached but hands nothing on: its rotation statement may have been
 * signed by whoever stole it.
 */
function reachable(
  byId: ReadonlyMap<string, PublishedKey>,
  links: readonly RotationRecord[],
  anchor: string,
): { keys: Map<string, PublishedKey>; stoppedAt: string[] } {
  const found = new Set([anchor]);
  const stoppedAt = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const link of links) {
      if (!found.has(link.previousKeyId) || found.has(link.nextKeyId)) {
        continue;
      }
      if (byId.get(link.previousKeyId)?.status === 'revoked') {
        stoppedAt.add(link.previousKeyId);
        continue;
      }
      found.add(link.nextKeyId);
      grew = true;
    }
  }
  const keys = new Map(
    [...found].map((id) => [id, byId.get(id) as PublishedKey]),
  );
  return { keys, stoppedAt: [...stoppedAt] };
}

function safeKeyId(pem: string): string | null {
  try {
    return keyIdOf(pem);
  } catch {
    return null;
  }
}

function invalid(reason: string, cause?: unknown): PackagerError {
  return new PackagerError(
    'DP_TRUST_FILE_INVALID',
    `the trusted keys file is not a signing key list: ${reason}`,
    { cause },
  );
}
