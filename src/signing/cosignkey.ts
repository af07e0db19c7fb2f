import { randomBytes, type KeyObject } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { PackagerError } from '../domain/index.js';
import { privateKeyFromDer } from './pkcs8.js';

// Cosign wraps its private keys in a PEM block whose body is JSON: an scrypt
// key derivation keys a NaCl secretbox (XSalsa20-Poly1305) around PKCS#8
// DER. Older cosign releases used the "COSIGN" label; both are read.
const PEM_LABELS = [
  'ENCRYPTED SIGSTORE PRIVATE KEY',
  'ENCRYPTED COSIGN PRIVATE KEY',
] as const;
const WRITE_LABEL = PEM_LABELS[0];

// The parameters cosign itself writes today; scrypt is RFC 7914.
const SCRYPT_WRITE = { N: 65536, r: 8, p: 1 };
const ALLOWED_N = new Set([32768, 65536, 131072]);
const KEY_BYTES = 32;
const SALT_BYTES = 32;
const NONCE_BYTES = 24;

interface EncryptedKeyJson {
  kdf: {
    name: 'scrypt';
    params: { N: number; r: number; p: number };
    salt: string;
  };
  cipher: { name: 'nacl/secretbox'; nonce: string };
  ciphertext: string;
}

/**
 * Encrypts a private key in cosign's "ENCRYPTED SIGSTORE PRIVATE KEY" form,
 * so that `cosign sign-blob --key` can use the file with the same password.
 */
export function encryptCosignKey(
  privateKey: KeyObject,
  password: string,
): string {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = deriveKey(password, salt, SCRYPT_WRITE);
  const sealed = xsalsa20poly1305(key, nonce).encrypt(der);
  const body: EncryptedKeyJson = {
    kdf: { name: 'scrypt', params: SCRYPT_WRITE, salt: b64(salt) },
    cipher: { name: 'nacl/secretbox', nonce: b64(nonce) },
    ciphertext: b64(sealed),
  };
  return toPem(WRITE_LABEL, Buffer.from(JSON.stringify(body), 'utf8'));
}

/**
 * Decrypts a cosign encrypted private key. The password is used verbatim,
 * as cosign uses COSIGN_PASSWORD (an empty string is a valid password).
 * Throws DP_KEY_UNAVAILABLE when the file is malformed or the password wrong.
 * Synchronous: scrypt at N=65536 takes a few hundred milliseconds, which is
 * paid once when the key is loaded at start-up.
 */
export function decryptCosignKey(pem: string, password: string): KeyObject {
  const body = parseEncryptedKey(pem);
  const key = deriveKey(
    password,
    Buffer.from(body.kdf.salt, 'base64'),
    body.kdf.params,
  );
  const nonce = Buffer.from(body.cipher.nonce, 'base64');
  const sealed = Buffer.from(body.ciphertext, 'base64');
  let der: Uint8Array;
  try {
    der = xsalsa20poly1305(key, nonce).decrypt(sealed);
  } catch (cause) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      'the signing key could not be decrypted: the password is wrong ' +
        'or the key file is damaged',
      { cause },
    );
  }
  return privateKeyFromDer(Buffer.from(der));
}

/** True when the text holds a cosign encrypted private key block. */
export function isCosignKey(pem: string): boolean {
  return PEM_LABELS.some((label) => pem.includes(`-----BEGIN ${label}-----`));
}

function parseEncryptedKey(pem: string): EncryptedKeyJson {
  const der = fromPem(pem);
  let body: unknown;
  try {
    body = JSON.parse(der.toString('utf8'));
  } catch (cause) {
    throw keyFileError('its body is not JSON', cause);
  }
  assertEncryptedKey(body);
  return body;
}

function assertEncryptedKey(body: unknown): asserts body is EncryptedKeyJson {
  const b = body as Partial<EncryptedKeyJson> | null;
  const params = b?.kdf?.params;
  const ok =
    b?.kdf?.name === 'scrypt' &&
    typeof b.kdf.salt === 'string' &&
    params !== undefined &&
    ALLOWED_N.has(params.N) &&
    params.r === 8 &&
    params.p === 1 &&
    b.cipher?.name === 'nacl/secretbox' &&
    typeof b.cipher.nonce === 'string' &&
    typeof b.ciphertext === 'string';
  if (!ok) throw keyFileError('unsupported kdf, cipher or parameters');
}

function deriveKey(
  password: string,
  salt: Uint8Array,
  params: { N: number; r: number; p: number },
): Uint8Array {
  return scrypt(Buffer.from(password, 'utf8'), salt, {
    ...params,
    dkLen: KEY_BYTES,
  });
}

function fromPem(pem: string): Buffer {
  for (const label of PEM_LABELS) {
    const begin = `-----BEGIN ${label}-----`;
    const end = `-----END ${label}-----`;
    const start = pem.indexOf(begin);
    const stop = pem.indexOf(end, start);
    if (start >= 0 && stop > start) {
      const text = pem.slice(start + begin.length, stop).replace(/\s+/g, '');
      return Buffer.from(text, 'base64');
    }
  }
  throw keyFileError('no ENCRYPTED SIGSTORE PRIVATE KEY block found');
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  const body = lines.join('\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function keyFileError(reason: string, cause?: unknown): PackagerError {
  return new PackagerError(
    'DP_KEY_UNAVAILABLE',
    `the signing key file is not a cosign encrypted key: ${reason}`,
    { cause },
  );
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
