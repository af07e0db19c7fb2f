import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PackagerError } from '../domain/index.js';

// RFC 8410 §7: an Ed25519 PKCS#8 v1 key is this prefix and the 32-byte seed.
const ED25519_V1_PREFIX = Buffer.from(
  '302e020100300506032b657004220420',
  'hex',
);
// The same key as a PKCS#8 v2 OneAsymmetricKey (RFC 5958) with its public
// key in [1], as sigstore-rs writes it: OpenSSL 3.0 refuses this form.
const ED25519_V2_PREFIX = Buffer.from(
  '3051020101300506032b657004220420',
  'hex',
);
const ED25519_V2_PUBLIC = Buffer.from('812100', 'hex');

/**
 * Reads a PKCS#8 DER private key. An Ed25519 v2 key is rewritten as v1,
 * after checking that its public half belongs to its seed.
 */
export function privateKeyFromDer(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    const rewritten = ed25519V2ToV1(der);
    if (rewritten) return rewritten;
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `the key is not a PKCS#8 private key: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function ed25519V2ToV1(der: Buffer): KeyObject | null {
  const isV2 =
    der.length === 83 &&
    der.subarray(0, 16).equals(ED25519_V2_PREFIX) &&
    der.subarray(48, 51).equals(ED25519_V2_PUBLIC);
  if (!isV2) return null;
  const seed = der.subarray(16, 48);
  const key = createPrivateKey({
    key: Buffer.concat([ED25519_V1_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicRaw = createPublicKey(key)
    .export({ format: 'der', type: 'spki' })
    .subarray(-32);
  if (!publicRaw.equals(der.subarray(51))) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      'the Ed25519 key file holds a public key that is not its own',
    );
  }
  return key;
}
