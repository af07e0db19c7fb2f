import {
  createPublicKey,
  createVerify,
  verify,
  type KeyObject,
} from 'node:crypto';
import { PackagerError } from '../domain/index.js';

/**
 * The signature schemes a key may use, named after what `cosign sign-blob`
 * does with such a key: ECDSA hashes with the curve's SHA-2 (P-256 with
 * SHA-256 needs no extra cosign flags, so it is the default), RSA uses
 * PKCS#1 v1.5 with SHA-256, and Ed25519 signs the raw message.
 */
export const SIGNING_ALGORITHMS = Object.freeze([
  'ecdsa-p256-sha256',
  'ecdsa-p384-sha384',
  'ed25519',
  'rsa-pkcs1v15-sha256',
] as const);

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** The hash a scheme signs over; null where it signs the message itself. */
export function digestOf(
  algorithm: SigningAlgorithm,
): 'sha256' | 'sha384' | null {
  if (algorithm === 'ed25519') return null;
  return algorithm === 'ecdsa-p384-sha384' ? 'sha384' : 'sha256';
}

/** The scheme of a private or public key, or DP_KEY_UNAVAILABLE. */
export function algorithmOf(key: KeyObject): SigningAlgorithm {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (curve === 'prime256v1') return 'ecdsa-p256-sha256';
      if (curve === 'secp384r1') return 'ecdsa-p384-sha384';
      break;
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) {
        return 'rsa-pkcs1v15-sha256';
      }
      break;
  }
  throw new PackagerError(
    'DP_KEY_UNAVAILABLE',
    'the key must be ECDSA P-256 (preferred) or P-384, Ed25519, or RSA of ' +
      `2048 bits or more; got ${key.asymmetricKeyType ?? 'unknown'} ` +
      `${curve ?? ''}`.trim(),
  );
}

/**
 * True when `der` is a valid signature of `message` under the PEM public
 * key, in the key's own scheme. Never throws on bad input.
 */
export function verifyMessage(
  message: Buffer,
  der: Buffer,
  publicKeyPem: string,
): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    return verify(digestOf(algorithmOf(key)), message, key, der);
  } catch {
    return false;
  }
}

/**
 * Verifies a signature over content read in pieces (a whole ZIP). Ed25519
 * cannot: it needs the whole message at once, so it answers false.
 */
export async function verifyStream(
  chunks: AsyncIterable<Uint8Array>,
  der: Buffer,
  publicKeyPem: string,
): Promise<boolean> {
  let key: KeyObject;
  let digest: 'sha256' | 'sha384' | null;
  try {
    key = createPublicKey(publicKeyPem);
    digest = digestOf(algorithmOf(key));
  } catch {
    return false;
  }
  if (digest === null) return false;
  const verifier = createVerify(digest);
  for await (const chunk of chunks) verifier.update(chunk);
  try {
    return verifier.verify(key, der);
  } catch {
    return false;
  }
}
