import {
  createHash,
  createPublicKey,
  sign as signAsync,
  type KeyObject,
} from 'node:crypto';
import { PackagerError } from '../domain/index.js';

/** The one signature algorithm we produce: no extra cosign flags needed. */
export type SigningAlgorithm = 'ecdsa-p256-sha256';

/** Something that signs blobs the way `cosign sign-blob --key` does. */
export interface Signer {
  /** 'sha256:' + hex SHA-256 of the DER SubjectPublicKeyInfo. */
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  /** The public key as a PEM "PUBLIC KEY" block (SPKI), as in cosign.pub. */
  readonly publicKeyPem: string;
  /** Returns a DER ECDSA signature (RFC 3279) over SHA-256(data). */
  sign(data: Buffer): Promise<Buffer>;
}

/**
 * The key id customers pin: 'sha256:' + hex SHA-256 of the SPKI DER, which
 * `openssl pkey -pubin -in cosign.pub -outform DER | sha256sum` reproduces.
 */
export function keyIdOf(publicKeyPem: string | KeyObject): string {
  const digest = createHash('sha256').update(spkiDer(publicKeyPem));
  return `sha256:${digest.digest('hex')}`;
}

/** The DER SubjectPublicKeyInfo of a public key given as PEM or KeyObject. */
export function spkiDer(publicKey: string | KeyObject): Buffer {
  const key =
    typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return key.export({ format: 'der', type: 'spki' });
}

/** Builds a Signer over an ECDSA P-256 private key held in memory. */
export function toSigner(privateKey: KeyObject): Signer {
  assertP256(privateKey);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey
    .export({ format: 'pem', type: 'spki' })
    .toString();
  return Object.freeze({
    keyId: keyIdOf(publicKey),
    algorithm: 'ecdsa-p256-sha256' as const,
    publicKeyPem,
    sign: (data: Buffer) =>
      new Promise<Buffer>((resolve, reject) => {
        signAsync('sha256', data, privateKey, (error, signature) => {
          if (error) reject(error);
          else resolve(signature);
        });
      }),
  });
}

function assertP256(privateKey: KeyObject): void {
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      'the signing key must be an ECDSA P-256 key; got ' +
        `${privateKey.asymmetricKeyType ?? 'unknown'} ${curve ?? ''}`.trim(),
    );
  }
}
