import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptCosignKey,
  loadOrCreateEmbeddedSigner,
} from '../../src/signing/index.js';
import { aTempDir } from '../bundle/builders.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await aTempDir());
});
afterAll(() => cleanup());

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('loadOrCreateEmbeddedSigner', () => {
  describe('when no password is configured', () => {
    const keys = () => join(dir, 'generated');

    it('creates the key, its public key and a password file', async () => {
      const { signer, created } = await loadOrCreateEmbeddedSigner({
        dir: keys(),
      });
      expect(created).toBe(true);
      expect(signer.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(signer.algorithm).toBe('ecdsa-p256-sha256');
      expect(await modeOf(join(keys(), 'cosign.key'))).toBe(0o600);
      expect(await modeOf(join(keys(), 'cosign.password'))).toBe(0o600);
      expect(await readFile(join(keys(), 'cosign.pub'), 'utf8')).toBe(
        signer.publicKeyPem,
      );
      const password = await readFile(join(keys(), 'cosign.password'), 'utf8');
      expect(Buffer.from(password, 'base64url')).toHaveLength(32);
    });

    it('reuses the same key and password on the next start', async () => {
      const first = await loadOrCreateEmbeddedSigner({ dir: keys() });
      const second = await loadOrCreateEmbeddedSigner({ dir: keys() });
      expect(second.created).toBe(false);
      expect(second.signer.keyId).toBe(first.signer.keyId);
    });
  });

  describe('when a password is given', () => {
    const keys = () => join(dir, 'configured');

    it('encrypts the key with it and writes no password file', async () => {
      const { signer } = await loadOrCreateEmbeddedSigner({
        dir: keys(),
        password: 's3cret',
      });
      const pem = await readFile(join(keys(), 'cosign.key'), 'utf8');
      expect(pem).toContain('ENCRYPTED SIGSTORE PRIVATE KEY');
      expect(decryptCosignKey(pem, 's3cret').asymmetricKeyType).toBe('ec');
      await expect(stat(join(keys(), 'cosign.password'))).rejects.toThrow();
      expect(signer.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    });

    it('refuses a wrong password with DP_KEY_UNAVAILABLE', async () => {
      await expect(
        loadOrCreateEmbeddedSigner({ dir: keys(), password: 'wrong' }),
      ).rejects.toMatchObject({
        code: 'DP_KEY_UNAVAILABLE',
        message: expect.stringMatching(/password is wrong/) as string,
      });
    });

    it('refuses a cosign.pub that belongs to another key', async () => {
      const other = join(dir, 'other');
      const { signer } = await loadOrCreateEmbeddedSigner({
        dir: other,
        password: 'x',
      });
      await writeFile(join(keys(), 'cosign.pub'), signer.publicKeyPem);
      await expect(
        loadOrCreateEmbeddedSigner({ dir: keys(), password: 's3cret' }),
      ).rejects.toMatchObject({ code: 'DP_KEY_UNAVAILABLE' });
    });
  });

  describe('when two processes start at once', () => {
    it('ends with one key that both use', async () => {
      const keys = join(dir, 'race');
      const results = await Promise.all([
        loadOrCreateEmbeddedSigner({ dir: keys }),
        loadOrCreateEmbeddedSigner({ dir: keys }),
      ]);
      expect(results[0].signer.keyId).toBe(results[1].signer.keyId);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });
  });
});
