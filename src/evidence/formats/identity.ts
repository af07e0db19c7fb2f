import type { X509Certificate } from 'node:crypto';

/**
 * Who signed, as a Fulcio-style certificate states it: a URI identity
 * (a CI workflow, a SPIFFE id) in full, and for an e-mail identity only
 * its domain, since the address is personal data and manifests leave the
 * company. The OIDC issuer comes from Fulcio's extension.
 */
export interface SigningIdentity {
  type: 'uri' | 'email' | 'none';
  /** The URI, or the e-mail address's domain. */
  value: string | null;
  /** The OIDC issuer that vouched for the identity, when stated. */
  issuer: string | null;
}

// Fulcio's certificate extensions (sigstore/fulcio docs/oid-info.md):
// 1.3.6.1.4.1.57264.1.1 holds the issuer as raw bytes (deprecated),
// 1.3.6.1.4.1.57264.1.8 as a DER UTF8String.
const ISSUER_V1 = Buffer.from('060a2b0601040183bf300101', 'hex');
const ISSUER_V2 = Buffer.from('060a2b0601040183bf300108', 'hex');

/** The signing identity a certificate names, if any. */
export function identityOf(cert: X509Certificate): SigningIdentity {
  const names = (cert.subjectAltName ?? '').split(/,\s*/);
  const uri = names.find((n) => n.startsWith('URI:'))?.slice(4) ?? null;
  const email = names.find((n) => n.startsWith('email:'))?.slice(6) ?? null;
  const issuer = issuerOf(cert.raw);
  if (uri) return { type: 'uri', value: uri, issuer };
  if (email) {
    return { type: 'email', value: email.split('@')[1] ?? null, issuer };
  }
  return { type: 'none', value: null, issuer };
}

function issuerOf(der: Buffer): string | null {
  const v2 = extensionValue(der, ISSUER_V2);
  if (v2 && v2[0] === 0x0c) {
    const inner = readLength(v2, 1);
    if (inner) return v2.subarray(inner.start, inner.end).toString('utf8');
  }
  const v1 = extensionValue(der, ISSUER_V1);
  return v1 ? v1.toString('utf8') : null;
}

// An extension is SEQUENCE { OID, critical BOOLEAN OPTIONAL, OCTET STRING };
// the bytes of the OCTET STRING after the OID are answered.
function extensionValue(der: Buffer, oid: Buffer): Buffer | null {
  const at = der.indexOf(oid);
  if (at < 0) return null;
  let i = at + oid.length;
  if (der[i] === 0x01) i += 3; // critical: BOOLEAN, length 1, value
  if (der[i] !== 0x04) return null;
  const span = readLength(der, i + 1);
  return span ? der.subarray(span.start, span.end) : null;
}

function readLength(
  der: Buffer,
  at: number,
): { start: number; end: number } | null {
  const first = der[at];
  if (first === undefined) return null;
  if (first < 0x80) return { start: at + 1, end: at + 1 + first };
  const bytes = first & 0x7f;
  if (bytes > 2) return null;
  let length = 0;
  for (let k = 1; k <= bytes; k += 1)
    length = length * 256 + (der[at + k] ?? 0);
  const start = at + 1 + bytes;
  return start + length <= der.length ? { start, end: start + length } : null;
}
