import { signedFileOf } from './pem.js';
import type { DocumentFacts } from './shared.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * True when the bytes are a DER ECDSA-Sig-Value (SEQUENCE of two
 * INTEGERs, RFC 3279 §2.2.3), the shape `cosign sign-blob` writes.
 */
function isDerEcdsa(bytes: Buffer): boolean {
  return (
    bytes.length >= 8 &&
    bytes[0] === 0x30 &&
    bytes[1] === bytes.length - 2 &&
    bytes[2] === 0x02
  );
}

// Without DER structure only the size hints at the algorithm: RSA
// signatures are as long as the modulus. 64 bytes could be Ed25519 or a
// raw P-256 r||s, so it is left unnamed.
function algorithmBySize(size: number): string | null {
  return [256, 384, 512].includes(size) ? `rsa-${size * 8}` : null;
}

/**
 * Reads a detached base64 signature. The content decides: a DER ECDSA
 * signature is recognised under any name; other base64 (Ed25519, RSA)
 * only when the file is named `.sig`, since base64 alone proves little.
 */
export function readDetachedSignature(
  text: string,
  fileName: string,
): DocumentFacts | null {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 16 || !BASE64.test(compact)) return null;
  const bytes = Buffer.from(compact, 'base64');
  const ecdsa = isDerEcdsa(bytes);
  if (!ecdsa && !fileName.endsWith('.sig')) return null;
  return {
    kind: 'signatures',
    format: 'signature',
    specVersion: null,
    mediaType: 'text/plain',
    eventTime: null,
    eventTimeRule: null,
    metadata: {
      encoding: 'base64',
      signatureAlgorithm: ecdsa ? 'ecdsa' : algorithmBySize(bytes.length),
      signatureSize: bytes.length,
      signs: signedFileOf(fileName),
    },
    warnings: [],
  };
}
