import {
  createHash,
  createPublicKey,
  createSign,
  sign as signAsync,
  type KeyObject,
} from 'node:crypto';
import { algorithmOf, digestOf, type SigningAlgorithm } from './algorithms.js';

/** A signature computed over data handed over in pieces. */
export interface StreamSignature {
  update(chunk: Uint8Array): void;
  /** The DER (ECDSA, RFC 3279) or raw (RSA) signature of all the pieces. */
  finish(): Promise<Buffer>;
}

/**
 * Something that signs blobs the way `cosign sign-blob --key` does. A KMS
 * signer implements the same interface (docs/keys.md): it computes the
 * digest locally and sends only the digest to the KMS.
 */
export interface Signer {
  /** 'sha256:' + hex SHA-256 of the DER SubjectPublicKeyInfo. */
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  /** The public key as a PEM "PUBLIC KEY" block (SPKI), as in cosign.pub. */
  readonly publicKeyPem: string;
  /** Signs a whole message held in memory. */
  sign(data: Buffer): Promise<Buffer>;
  /**
   * Starts a signature over data that streams past (the whole ZIP), or
   * answers null when the scheme needs the whole message (Ed25519).
   */
  signStream(): StreamSignature | null;
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

/** The PEM "PUBLIC KEY" of a private or public key. */
export function publicPemOf(key: KeyObject): string {
  return createPublicKey(key)
    .export({ format: 'pem', type: 'spki' })
    .toString();
}

/** Builds a Signer over a private key held in memory. */
export function toSigner(privateKey: KeyObject): Signer {
  const algorithm = algorithmOf(privateKey);
  const digest = digestOf(algorithm);
  const publicKeyPem = publicPemOf(privateKey);
  return Object.freeze({
    keyId: keyIdOf(publicKeyPem),
    algorithm,
    publicKeyPem,
    sign: (data: Buffer) =>
      new Promise<Buffer>((resolve, reject) => {
        signAsync(digest, data, privateKey, (error, signature) => {
          if (error) reject(error);
          else resolve(signature);
        });
      }),
    signStream: () => {
      if (digest === null) return null;
      const signer = createSign(digest);
      return {
        update: (chunk: Uint8Array) => void signer.update(chunk),
        finish: () => Promise.resolve(signer.sign(privateKey)),
      };
    },
  });
}
