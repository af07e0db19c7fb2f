import { createHash, createPublicKey } from 'node:crypto';
import { algorithmOf, verifyMessage } from './algorithms.js';
import { spkiDer } from './signer.js';

/** Media type of the Sigstore bundle cosign writes for key-signed blobs. */
export const SIGSTORE_BUNDLE_V03 =
  'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A key-signed message-signature Sigstore bundle, as cosign writes it. */
export interface KeySignedSigstoreBundle {
  mediaType: typeof SIGSTORE_BUNDLE_V03;
  verificationMaterial: { publicKey: { hint: string } };
  messageSignature: {
    messageDigest: { algorithm: MessageDigestAlgorithm; digest: string };
    signature: string;
  };
}

/** Digest names of the Sigstore protobuf-specs HashAlgorithm enum. */
export type MessageDigestAlgorithm = 'SHA2_256' | 'SHA2_384';

/**
 * The digest a Sigstore bundle records for a key: SHA-384 for P-384 keys,
 * as cosign does, and SHA-256 for every other.
 */
export function messageDigestOf(
  blob: Buffer,
  publicKeyPem: string,
): { algorithm: MessageDigestAlgorithm; digest: string } {
  const p384 =
    algorithmOf(createPublicKey(publicKeyPem)) === 'ecdsa-p384-sha384';
  const hash = p384 ? 'sha384' : 'sha256';
  return {
    algorithm: p384 ? 'SHA2_384' : 'SHA2_256',
    digest: createHash(hash).update(blob).digest('base64'),
  };
}

/**
 * The `.sig` text `cosign sign-blob --key --output-signature` writes:
 * standard base64 with padding of the DER signature, no trailing newline.
 */
export function toCosignSignature(der: Buffer): string {
  return der.toString('base64');
}

/**
 * The Sigstore bundle (v0.3, protobuf-specs Bundle in JSON form) for a blob
 * signed with a plain key: no certificate, no transparency-log entry and no
 * timestamps, so those empty fields are left out as cosign does. The hint
 * identifies the key as base64 SHA-256 of its SPKI DER.
 */
export function toSigstoreBundle(
  blob: Buffer,
  der: Buffer,
  publicKeyPem: string,
): KeySignedSigstoreBundle {
  return {
    mediaType: SIGSTORE_BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: keyHintOf(publicKeyPem) } },
    messageSignature: {
      messageDigest: messageDigestOf(blob, publicKeyPem),
      signature: der.toString('base64'),
    },
  };
}

/** The Sigstore public-key hint: base64 SHA-256 of the SPKI DER. */
export function keyHintOf(publicKeyPem: string): string {
  return createHash('sha256').update(spkiDer(publicKeyPem)).digest('base64');
}

// cosign verify-blob takes padded standard base64 with at most a trailing LF
// or CRLF, or raw DER; we accept exactly the same inputs.
const COSIGN_BASE64 = /^[A-Za-z0-9+/]+={0,2}(\r?\n)?$/;

/**
 * Decodes a signature as cosign reads it: base64 text, or raw DER (which
 * always starts with an ASN.1 SEQUENCE tag, 0x30). Returns null otherwise.
 */
export function toSignatureDer(signature: Buffer | string): Buffer | null {
  const bytes =
    typeof signature === 'string' ? Buffer.from(signature, 'utf8') : signature;
  const text = bytes.toString('latin1');
  if (COSIGN_BASE64.test(text) && text.trimEnd().length % 4 === 0) {
    return Buffer.from(text.trimEnd(), 'base64');
  }
  return bytes[0] === 0x30 ? bytes : null;
}

/**
 * True when `signature` (base64 text or DER) is a valid signature of `blob`
 * under the PEM public key, in the key's scheme. Never throws on bad input.
 */
export function verifyBlobSignature(
  blob: Buffer,
  signature: Buffer | string,
  publicKeyPem: string,
): boolean {
  const der = toSignatureDer(signature);
  return der !== null && verifyMessage(blob, der, publicKeyPem);
}
