import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decryptCosignKey,
  encryptCosignKey,
  toSigner,
  verifyBlobSignature,
} from '../../src/signing/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';

const SIGNATURES = join(CORPUS_DIR, 'signatures');

function aP256Key() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

function pemBody(pem: string): Record<string, unknown> {
  const base64 = pem.split('\n').slice(1, -2).join('');
  return JSON.parse(Buffer.from(base64, 'base64').toString()) as Record<
    string,
    unknown
  >;
}

describe('encryptCosignKey', () => {
  const key = aP256Key();
  const pem = encryptCosignKey(key, 'correct horse');

  it('writes an ENCRYPTED SIGSTORE PRIVATE KEY block', () => {
    const label = 'ENCRYPTED SIGSTORE PRIVATE KEY';
    const lines = pem.split('\n');
    expect(lines[0]).toBe(`-----BEGIN ${label}-----`);
    expect(lines.at(-2)).toBe(`-----END ${label}-----`);
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(1, -2)) {
      expect(line).toMatch(/^[A-Za-z0-9+/=]{1,64}$/);
    }
  });

  it('uses scrypt N=65536 r=8 p=1 and a NaCl secretbox, as cosign does', () => {
    const body = pemBody(pem) as {
      kdf: { name: string; params: object; salt: string };
      cipher: { name: string; nonce: string };
      ciphertext: string;
    };
    expect(body.kdf.name).toBe('scrypt');
    expect(body.kdf.params).toEqual({ N: 65536, r: 8, p: 1 });
    expect(Buffer.from(body.kdf.salt, 'base64')).toHaveLength(32);
    expect(body.cipher.name).toBe('nacl/secretbox');
    expect(Buffer.from(body.cipher.nonce, 'base64')).toHaveLength(24);
  });

  it('round-trips through decryptCosignKey with the same password', () => {
    const back = decryptCosignKey(pem, 'correct horse');
    const der = (k: typeof key) => k.export({ format: 'der', type: 'pkcs8' });
    expect(der(back).equals(der(key))).toBe(true);
  });
});

describe('decryptCosignKey', () => {
  const pem = encryptCosignKey(aP256Key(), '');

  it('accepts the empty password when the key was made with it', () => {
    expect(decryptCosignKey(pem, '').asymmetricKeyType).toBe('ec');
  });

  it('refuses a wrong password with DP_KEY_UNAVAILABLE', () => {
    expect(() => decryptCosignKey(pem, 'guess')).toThrow(
      expect.objectContaining({
        code: 'DP_KEY_UNAVAILABLE',
        message: expect.stringMatching(/password is wrong/) as string,
      }),
    );
  });

  it('refuses a PEM that is not an encrypted cosign key', () => {
    expect(() =>
      decryptCosignKey('-----BEGIN PUBLIC KEY-----\nAAAA\n', 'x'),
    ).toThrow(expect.objectContaining({ code: 'DP_KEY_UNAVAILABLE' }));
  });
});

corpusMissingIsFatal();

describe.skipIf(!CORPUS_PRESENT)('decryptCosignKey on published keys', () => {
  it('decrypts the sigstore-rs ECDSA key (COSIGN label, N=32768)', async () => {
    const pem = await readFile(
      join(SIGNATURES, 'sigstore-rs_ecdsa_encrypted_private.key'),
      'utf8',
    );
    const key = decryptCosignKey(pem, '123');
    const signer = toSigner(key);
    const blob = Buffer.from('hello');
    const signature = await signer.sign(blob);
    expect(verifyBlobSignature(blob, signature, signer.publicKeyPem)).toBe(
      true,
    );
  });

  it('decrypts the cosign-generated key whose password is empty', async () => {
    const pem = await readFile(
      join(
        SIGNATURES,
        'sigstore-rs_cosign-generated_encrypted_empty-password.key',
      ),
      'utf8',
    );
    const key = decryptCosignKey(pem, '');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(() => decryptCosignKey(pem, 'x')).toThrow(/password is wrong/);
  });
});
