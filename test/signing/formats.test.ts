import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  keyHintOf,
  keyIdOf,
  spkiDer,
  toCosignSignature,
  toSignatureDer,
  toSigstoreBundle,
  verifyBlobSignature,
} from '../../src/signing/index.js';
import { aSigner } from '../bundle/builders.js';

const signer = aSigner();
const blob = Buffer.from('abc  file\n');

describe('keyIdOf', () => {
  it('matches the fingerprint openssl computes from the PEM', () => {
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], {
      input: signer.publicKeyPem,
    });
    const hex = createHash('sha256').update(der).digest('hex');
    expect(keyIdOf(signer.publicKeyPem)).toBe(`sha256:${hex}`);
    expect(signer.keyId).toBe(`sha256:${hex}`);
  });
});

describe('toCosignSignature', () => {
  it('writes padded standard base64 without a newline', async () => {
    const text = toCosignSignature(await signer.sign(blob));
    expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(text.length % 4).toBe(0);
  });
});

describe('verifyBlobSignature', () => {
  it('accepts base64, base64 with a trailing CRLF, and raw DER', async () => {
    const der = await signer.sign(blob);
    const text = toCosignSignature(der);
    for (const form of [text, `${text}\r\n`, der]) {
      expect(verifyBlobSignature(blob, form, signer.publicKeyPem)).toBe(true);
    }
  });

  it('reads only padded standard base64 or DER, as cosign does', () => {
    expect(toSignatureDer('bm9wZQ==')).toEqual(Buffer.from('nope'));
    expect(toSignatureDer('bm9wZQ')).toBeNull();
    expect(toSignatureDer('ab-_cd==')).toBeNull();
    expect(toSignatureDer(' bm9wZQ==')).toBeNull();
    expect(toSignatureDer('\ufeffbm9wZQ==')).toBeNull();
  });

  it('rejects another blob, another key and garbage', async () => {
    const der = await signer.sign(blob);
    const pem = signer.publicKeyPem;
    expect(verifyBlobSignature(Buffer.from('x'), der, pem)).toBe(false);
    expect(verifyBlobSignature(blob, der, aSigner().publicKeyPem)).toBe(false);
    expect(verifyBlobSignature(blob, 'bm9wZQ==', pem)).toBe(false);
    expect(verifyBlobSignature(blob, der, 'not a key')).toBe(false);
  });
});

describe('toSigstoreBundle', () => {
  it("has the shape of cosign's key-signed v0.3 bundle", async () => {
    const der = await signer.sign(blob);
    expect(toSigstoreBundle(blob, der, signer.publicKeyPem)).toEqual({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        publicKey: {
          hint: createHash('sha256')
            .update(spkiDer(signer.publicKeyPem))
            .digest('base64'),
        },
      },
      messageSignature: {
        messageDigest: {
          algorithm: 'SHA2_256',
          digest: createHash('sha256').update(blob).digest('base64'),
        },
        signature: der.toString('base64'),
      },
    });
    expect(keyHintOf(signer.publicKeyPem)).toHaveLength(44);
  });
});
