import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_COMMANDS } from '../../src/bundle/index.js';
import {
  aSigner,
  aTempDir,
  anAssembly,
  assembleToFile,
  rewriteZip,
} from './builders.js';

const run = promisify(execFile);
const signer = aSigner();
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await aTempDir());
});
afterAll(() => cleanup());

/** Unzips a bundle into a fresh folder with the system `unzip`. */
async function unzipped(zip: string, name: string): Promise<string> {
  const to = join(dir, name);
  await mkdir(to);
  await run('unzip', ['-q', zip, '-d', to]);
  return to;
}

/** Runs a shell line in a folder; resolves to its exit code and output. */
async function shell(cwd: string, line: string) {
  try {
    const { stdout, stderr } = await run('sh', ['-c', line], { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

const SHA512SUMS_CHECK = VERIFY_COMMANDS[1]!;
const OPENSSL_CHECK = VERIFY_COMMANDS[2]!;

describe('a bundle checked with standard tools', () => {
  let folder: string;

  beforeAll(async () => {
    const zip = join(dir, 'bundle.zip');
    await assembleToFile(zip, anAssembly(signer, { compression: 'deflate' }));
    await run('unzip', ['-tq', zip]);
    folder = await unzipped(zip, 'fresh');
  });

  it('passes sha512sum -c SHA512SUMS', async () => {
    const { code, output } = await shell(folder, SHA512SUMS_CHECK);
    expect(output).not.toMatch(/FAILED|WARNING/);
    expect(output.match(/: OK$/gm)).toHaveLength(9);
    expect(code).toBe(0);
  });

  it('passes the openssl signature check of README.txt', async () => {
    const { code, output } = await shell(folder, OPENSSL_CHECK);
    expect(output.trim()).toBe('Verified OK');
    expect(code).toBe(0);
  });

  it('prints the key id with the README fingerprint command', async () => {
    const { output } = await shell(folder, VERIFY_COMMANDS[3]!);
    expect(output.trim().split('= ')[1]).toBe(signer.keyId.slice(7));
  });

  it('passes @sigstore/verify with only the public key as trust', async () => {
    const index = await readFile(join(folder, 'SHA512SUMS'));
    const json: unknown = JSON.parse(
      await readFile(join(folder, 'SHA512SUMS.sigstore.json'), 'utf8'),
    );
    expect(() => verifyWithSigstore(json, index)).not.toThrow();
    // @sigstore/verify leaves the digest to us (NOTES.md): check it here.
    const bundle = bundleFromJSON(json);
    expect(bundle.content.$case).toBe('messageSignature');
    if (bundle.content.$case === 'messageSignature') {
      const { digest } = bundle.content.messageSignature.messageDigest;
      expect(digest).toEqual(
        Buffer.from(await sha256Of(join(folder, 'SHA512SUMS')), 'hex'),
      );
    }
  });

  it('fails @sigstore/verify when the index was changed', async () => {
    const index = Buffer.from(
      (await readFile(join(folder, 'SHA512SUMS'), 'utf8')).replace('a', 'b'),
    );
    const json: unknown = JSON.parse(
      await readFile(join(folder, 'SHA512SUMS.sigstore.json'), 'utf8'),
    );
    expect(() => verifyWithSigstore(json, index)).toThrow();
  });
});

describe('a tampered bundle checked with standard tools', () => {
  let folder: string;

  beforeAll(async () => {
    const zip = join(dir, 'source.zip');
    const tampered = join(dir, 'tampered.zip');
    await assembleToFile(zip, anAssembly(signer));
    await rewriteZip(zip, tampered, (items) =>
      items.map((i) =>
        i.name === 'policy-reports/report.json'
          ? { name: i.name, data: Buffer.from('{"allow":false}\n') }
          : i,
      ),
    );
    folder = await unzipped(tampered, 'tampered');
  });

  it('fails sha512sum -c on the changed file only', async () => {
    const { code, output } = await shell(folder, SHA512SUMS_CHECK);
    expect(code).not.toBe(0);
    expect(output).toMatch(/^policy-reports\/report\.json: FAILED$/m);
    expect(output.match(/: OK$/gm)).toHaveLength(8);
  });

  it('fails the openssl check once SHA512SUMS is edited to match', async () => {
    const sums = join(folder, 'SHA512SUMS');
    const { stdout } = await run('sha512sum', ['policy-reports/report.json'], {
      cwd: folder,
    });
    const lines = (await readFile(sums, 'utf8')).replace(
      /^[0-9a-f]+ {2}policy-reports\/report\.json$/m,
      stdout.trim(),
    );
    await writeFile(sums, lines);
    expect((await shell(folder, SHA512SUMS_CHECK)).code).toBe(0);
    const { code, output } = await shell(folder, OPENSSL_CHECK);
    expect(output.trim()).toBe('Verification failure');
    expect(code).toBe(1);
  });
});

describe('a ZIP64 bundle', () => {
  it('is accepted by unzip -t and sha512sum -c', async () => {
    const zip = join(dir, 'zip64.zip');
    await assembleToFile(zip, anAssembly(signer, { forceZip64: true }));
    await run('unzip', ['-tq', zip]);
    const folder = await unzipped(zip, 'zip64');
    expect((await shell(folder, SHA512SUMS_CHECK)).code).toBe(0);
  });
});

function verifyWithSigstore(json: unknown, artifact: Buffer): void {
  const bundle = bundleFromJSON(json);
  const publicKey = createPublicKey(signer.publicKeyPem);
  const trust = toTrustMaterial(
    {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      ctlogs: [],
      certificateAuthorities: [],
      timestampAuthorities: [],
    },
    () => ({ publicKey, validFor: () => true }),
  );
  const verifier = new Verifier(trust, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle, artifact));
}

async function sha256Of(path: string): Promise<string> {
  const { stdout } = await run('sha256sum', [path]);
  return stdout.split(' ')[0]!;
}
