import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encryptCosignKey,
  loadKeyFileSigner,
  passwordOf,
  toCosignSignature,
  verifyBlobSignature,
  type Signer,
} from '../../src/signing/index.js';
import { aTempDir } from '../bundle/builders.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';

const run = promisify(execFile);
const SIGNATURES = join(CORPUS_DIR, 'signatures');
const blob = Buffer.from('SHA512SUMS stand-in\n');

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await aTempDir());
});
afterAll(() => cleanup());

/**
 * Signs the blob, writes blob, public key and signature (base64, as cosign
 * writes it) to files, and asks openssl to verify them.
 */
async function opensslVerifies(signer: Signer, name: string) {
  const files = {
    blob: join(dir, `${name}.blob`),
    pub: join(dir, `${name}.pub`),
    sig: join(dir, `${name}.sig`),
    der: join(dir, `${name}.sig.der`),
  };
  await writeFile(files.blob, blob);
  await writeFile(files.pub, signer.publicKeyPem);
  await writeFile(files.sig, toCosignSignature(await signer.sign(blob)));
  await run('openssl', [
    'base64',
    '-d',
    '-A',
    '-in',
    files.sig,
    '-out',
    files.der,
  ]);
  const args =
    signer.algorithm === 'ed25519'
      ? ['pkeyutl', '-verify', '-pubin', '-inkey', files.pub, '-rawin'].concat([
          '-in',
          files.blob,
          '-sigfile',
          files.der,
        ])
      : [
          'dgst',
          signer.algorithm === 'ecdsa-p384-sha384' ? '-sha384' : '-sha256',
        ].concat(['-verify', files.pub, '-signature', files.der, files.blob]);
  const { stdout } = await run('openssl', args);
  return stdout.trim();
}

// `openssl dgst` and `openssl pkeyutl` word their success differently.
const VERIFIED = /^(Verified OK|Signature Verified Successfully)$/;

async function keyFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('loadKeyFileSigner', () => {
  const cases: [string, KeyObject][] = [
    [
      'ECDSA P-256',
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
    ],
    [
      'ECDSA P-384',
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey,
    ],
    ['Ed25519', generateKeyPairSync('ed25519').privateKey],
  ];

  it.each(cases)(
    'reads a plain PKCS#8 %s PEM that openssl verifies',
    async (name, key) => {
      const pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
      const path = await keyFile(`${name}.pem`, pem);
      const { signer } = await loadKeyFileSigner({ path });
      expect(await opensslVerifies(signer, name.replace(/\W/g, ''))).toMatch(
        VERIFIED,
      );
    },
  );

  it('reads a cosign key file with CRLF line ends', async () => {
    const key = cases[0]![1];
    const pem = encryptCosignKey(key, 'pw').replace(/\n/g, '\r\n');
    const path = await keyFile('crlf.key', pem);
    const { signer } = await loadKeyFileSigner(
      { path, password: { env: 'KEY_PW' } },
      { KEY_PW: 'pw' },
    );
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
  });

  it('reads a PKCS#8 PEM with CRLF line ends', async () => {
    const pem = cases[1]![1]
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const path = await keyFile('crlf.pem', pem.replace(/\n/g, '\r\n'));
    const { signer } = await loadKeyFileSigner({ path });
    expect(signer.algorithm).toBe('ecdsa-p384-sha384');
  });

  it('takes the password from a file, dropping one trailing newline', async () => {
    const path = await keyFile(
      'pwfile.key',
      encryptCosignKey(cases[0]![1], 'pw'),
    );
    const file = await keyFile('password.txt', 'pw\r\n');
    const { signer } = await loadKeyFileSigner({ path, password: { file } });
    expect(signer.keyId).toMatch(/^sha256:/);
  });

  it('says which variable to set when the password is missing', async () => {
    const path = await keyFile(
      'nopw.key',
      encryptCosignKey(cases[0]![1], 'pw'),
    );
    await expect(loadKeyFileSigner({ path }, {})).rejects.toMatchObject({
      code: 'DP_KEY_UNAVAILABLE',
      message: expect.stringContaining('COSIGN_PASSWORD') as string,
    });
  });

  it('asks for the password of a new key as one to choose', async () => {
    const asked = passwordOf({}, {}, 'new-key');
    await expect(asked).rejects.toMatchObject({
      message: expect.stringMatching(
        /^the new key is encrypted with a password you choose: set COSIGN_PASSWORD/,
      ) as string,
    });
    await expect(asked).rejects.not.toMatchObject({
      message: expect.stringContaining('its password') as string,
    });
  });

  it('refuses a file that holds no private key', async () => {
    const path = await keyFile(
      'pub.pem',
      await readFile(join(dir, 'ECDSAP256.pub'), 'utf8'),
    );
    await expect(loadKeyFileSigner({ path })).rejects.toMatchObject({
      code: 'DP_KEY_UNAVAILABLE',
    });
  });

  it('refuses a device as a key file with a plain message', async () => {
    const refused = loadKeyFileSigner({ path: '/dev/zero' });
    await expect(refused).rejects.toMatchObject({
      code: 'DP_KEY_UNAVAILABLE',
      message: 'cannot read the key file /dev/zero: it is not a regular file',
    });
  });

  it('refuses a key file far larger than any key', async () => {
    const path = await keyFile('huge.key', 'A'.repeat(200 * 1024));
    await expect(loadKeyFileSigner({ path })).rejects.toMatchObject({
      code: 'DP_KEY_UNAVAILABLE',
      message: expect.stringContaining('it is larger than 64 KiB') as string,
    });
  });

  it('refuses an endless password file after reading only a little', async () => {
    const path = await keyFile(
      'zero-pw.key',
      encryptCosignKey(cases[0]![1], 'pw'),
    );
    const password = { file: '/dev/zero' };
    await expect(loadKeyFileSigner({ path, password })).rejects.toMatchObject({
      code: 'DP_KEY_UNAVAILABLE',
      message: expect.stringMatching(
        /^cannot read the password file \/dev\/zero: it is larger than/,
      ) as string,
    });
  });

  it('refuses an RSA key shorter than 2048 bits', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const path = await keyFile(
      'rsa1024.pem',
      privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
    await expect(loadKeyFileSigner({ path })).rejects.toMatchObject({
      code: 'DP_KEY_UNAVAILABLE',
    });
  });
});

describe('stream signatures', () => {
  it('equal a whole-message signature for ECDSA, and are absent for Ed25519', async () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'secp384r1',
    }).privateKey;
    const path = await keyFile(
      'stream.pem',
      ec.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
    const { signer } = await loadKeyFileSigner({ path });
    const stream = signer.signStream()!;
    stream.update(blob.subarray(0, 5));
    stream.update(blob.subarray(5));
    const der = await stream.finish();
    expect(verifyBlobSignature(blob, der, signer.publicKeyPem)).toBe(true);
    const ed = generateKeyPairSync('ed25519').privateKey;
    const edPath = await keyFile(
      'ed.pem',
      ed.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
    expect(
      (await loadKeyFileSigner({ path: edPath })).signer.signStream(),
    ).toBeNull();
  });
});

corpusMissingIsFatal();

describe.skipIf(!CORPUS_PRESENT)('the four published cosign test keys', () => {
  const keys: [string, string, string][] = [
    ['sigstore-rs_ecdsa_encrypted_private.key', '123', 'ecdsa-p256-sha256'],
    ['sigstore-rs_rsa_encrypted_private.key', '123', 'rsa-pkcs1v15-sha256'],
    ['sigstore-rs_ed25519_encrypted_private.key', '123', 'ed25519'],
    [
      'sigstore-rs_cosign-generated_encrypted_empty-password.key',
      '',
      'ecdsa-p256-sha256',
    ],
  ];

  it.each(keys)(
    '%s decrypts, signs, and openssl verifies it',
    async (file, password, algorithm) => {
      const { signer } = await loadKeyFileSigner(
        { path: join(SIGNATURES, file), password: { env: 'COSIGN_PASSWORD' } },
        { COSIGN_PASSWORD: password },
      );
      expect(signer.algorithm).toBe(algorithm);
      expect(await opensslVerifies(signer, file)).toMatch(VERIFIED);
    },
  );

  it('refuses the cosign CI key, whose password was never published', async () => {
    await expect(
      loadKeyFileSigner(
        { path: join(SIGNATURES, 'cosign-ci-test.key') },
        { COSIGN_PASSWORD: '123' },
      ),
    ).rejects.toMatchObject({ code: 'DP_KEY_UNAVAILABLE' });
  });
});
