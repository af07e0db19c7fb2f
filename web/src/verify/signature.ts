/** Public keys and ECDSA signatures as WebCrypto needs them. */

/** The DER of the first PUBLIC KEY block of a PEM text. */
export function pemToDer(pem: string): Uint8Array {
  const match =
    /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem);
  if (!match?.[1]) throw new Error('no "PUBLIC KEY" block in the key file');
  return base64ToBytes(match[1].replace(/\s+/g, ''));
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text.trim());
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * An ECDSA signature from DER (SEQUENCE of INTEGER r, INTEGER s; RFC 3279
 * §2.2.3) to the fixed-width r||s that WebCrypto verifies (IEEE P1363).
 */
export function derToRaw(der: Uint8Array, width: number): Uint8Array {
  let at = 0;
  const byte = () => {
    const value = der[at];
    if (value === undefined) throw new Error('the signature is truncated');
    at += 1;
    return value;
  };
  const length = () => {
    const first = byte();
    if (first < 0x80) return first;
    let value = 0;
    for (let n = first & 0x7f; n > 0; n -= 1) value = (value << 8) | byte();
    return value;
  };
  if (byte() !== 0x30) throw new Error('the signature is not a DER sequence');
  length();
  const raw = new Uint8Array(width * 2);
  for (const slot of [0, 1]) {
    if (byte() !== 0x02) throw new Error('the signature lacks an integer');
    let size = length();
    let start = at;
    // A leading zero only keeps the integer positive.
    while (size > width && der[start] === 0) {
      start += 1;
      size -= 1;
    }
    if (size > width) throw new Error('the signature does not fit the key');
    raw.set(der.subarray(start, start + size), slot * width + width - size);
    at = start + size;
  }
  return raw;
}

/** The key id our tools print: sha256:<hex of SHA-256(SPKI DER)>. */
export async function keyIdOf(spki: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', spki as BufferSource);
  return `sha256:${toHex(new Uint8Array(digest))}`;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const CURVES = [
  { namedCurve: 'P-256', hash: 'SHA-256', width: 32 },
  { namedCurve: 'P-384', hash: 'SHA-384', width: 48 },
] as const;

/**
 * Checks a DER ECDSA signature over `data` with an SPKI key, trying the
 * curves our signing keys use. Returns null when the key is not ECDSA
 * P-256 or P-384, which this page cannot check (the CLI can).
 */
export async function verifyEcdsa(
  spki: Uint8Array,
  derSignature: Uint8Array,
  data: Uint8Array,
): Promise<boolean | null> {
  for (const curve of CURVES) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey(
        'spki',
        spki as BufferSource,
        { name: 'ECDSA', namedCurve: curve.namedCurve },
        false,
        ['verify'],
      );
    } catch {
      continue;
    }
    let raw: Uint8Array;
    try {
      raw = derToRaw(derSignature, curve.width);
    } catch {
      return false;
    }
    return crypto.subtle.verify(
      { name: 'ECDSA', hash: curve.hash },
      key,
      raw as BufferSource,
      data as BufferSource,
    );
  }
  return null;
}
