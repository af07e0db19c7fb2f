import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  type KeyObject,
} from 'node:crypto';

// Order of the P-256 group (SEC 2, section 2.4.2).
const P256_ORDER = BigInt(
  '0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
);

/** A sample signing key pair and the detached signature it made. */
export interface SampleSignature {
  /** Standard base64 of the DER signature, no newline, as cosign writes it. */
  signature: Buffer;
  /** The public key as a PEM `PUBLIC KEY` block. */
  publicKeyPem: Buffer;
}

/**
 * Signs `blob` as `cosign sign-blob --key` would: ECDSA P-256 over SHA-256.
 * The key is derived from the tenant id so the public key never changes for
 * a tenant; ECDSA itself is randomised, so the signature bytes differ on
 * every call while always verifying against that key.
 */
export function signSample(tenantId: string, blob: Buffer): SampleSignature {
  const privateKey = sampleKeyFor(tenantId);
  const der = sign('sha256', blob, privateKey);
  const publicKeyPem = createPublicKey(privateKey).export({
    type: 'spki',
    format: 'pem',
  });
  return {
    signature: Buffer.from(der.toString('base64'), 'utf8'),
    publicKeyPem: Buffer.from(publicKeyPem),
  };
}

/**
 * The tenant's sample private key: d = SHA-256(label + tenant id) mod n.
 * It is a published derivation, so it proves nothing; it only lets sample
 * evidence verify the same way real evidence does.
 */
export function sampleKeyFor(tenantId: string): KeyObject {
  const digest = createHash('sha256')
    .update(`disclosure-packager sample key ${tenantId}`)
    .digest('hex');
  let scalar = BigInt(`0x${digest}`) % P256_ORDER;
  if (scalar === 0n) scalar = 1n;
  const d = Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex');

  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // 0x04 || x || y, uncompressed
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: d.toString('base64url'),
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
}
