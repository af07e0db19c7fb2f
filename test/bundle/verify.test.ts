import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VERIFY_EXIT,
  formatReport,
  verifyBundle,
} from '../../src/bundle/index.js';
import {
  toCosignSignature,
  toSigstoreBundle,
  type Signer,
} from '../../src/signing/index.js';
import {
  aSigner,
  aTempDir,
  anAssembly,
  assembleToFile,
  patchBytes,
  readZipItems,
  rewriteZip,
  writeZipItems,
  type ZipItem,
} from './builders.js';

const signer = aSigner();
let dir: string;
let cleanup: () => Promise<void>;
let bundle: string;

beforeAll(async () => {
  ({ dir, cleanup } = await aTempDir());
  bundle = join(dir, 'bundle.zip');
  await assembleToFile(bundle, anAssembly(signer));
});
afterAll(() => cleanup());

/** Rewrites the fresh bundle through an edit and verifies the copy. */
async function verifyEdited(
  name: string,
  edit: (items: ZipItem[]) => ZipItem[],
  options: { publicKeyPem?: string } = { publicKeyPem: signer.publicKeyPem },
) {
  const path = join(dir, name);
  await rewriteZip(bundle, path, edit);
  return verifyBundle(path, options);
}

function replaceItem(name: string, data: (old: Buffer) => Buffer) {
  return (items: ZipItem[]) =>
    items.map((i) => (i.name === name ? { name, data: data(i.data) } : i));
}

function codesOf(report: { problems: { code: string; path?: string }[] }) {
  return report.problems.map((p) => `${p.code} ${p.path ?? ''}`.trim());
}

describe('verifyBundle', () => {
  describe('when the bundle is fresh', () => {
    it('verifies it with the given key', async () => {
      const report = await verifyBundle(bundle, {
        publicKeyPem: signer.publicKeyPem,
      });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({
        ok: true,
        exitCode: VERIFY_EXIT.verified,
        keyId: signer.keyId,
        keySource: 'given',
        files: 12,
      });
      expect(report.manifest?.tenant.id).toBe('acme');
    });

    it('verifies it with the bundled key, saying so', async () => {
      const report = await verifyBundle(bundle);
      expect(report).toMatchObject({ ok: true, keySource: 'bundle' });
      const text = formatReport(report);
      expect(text).toContain('VERIFIED');
      expect(text).toContain(signer.keyId);
      expect(text).toContain("read from the bundle's own cosign.pub");
    });
  });

  describe('when an evidence entry was changed by one byte', () => {
    it('reports a checksum mismatch on that entry (integrity)', async () => {
      const report = await verifyEdited(
        'byte.zip',
        replaceItem('sboms/sbom.json', (d) =>
          Buffer.from(d.toString().replace('1', '3')),
        ),
      );
      expect(report.exitCode).toBe(VERIFY_EXIT.integrity);
      expect(codesOf(report)).toContain('checksum-mismatch sboms/sbom.json');
    });

    it('names a compressed entry it cannot read once, not also as missing', async () => {
      const deflated = join(dir, 'deflated.zip');
      await assembleToFile(deflated, {
        ...anAssembly(signer),
        compression: 'deflate',
      });
      const path = join(dir, 'flipped.zip');
      const bytes = await readFile(deflated);
      // The first entry's deflate data begins after its local header; a
      // block type of 3 is reserved (RFC 1951 §3.2.3), so inflating fails.
      const at = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28);
      bytes[at] = (bytes[at] ?? 0) | 0x06;
      await writeFile(path, bytes);
      const report = await verifyBundle(path, {
        publicKeyPem: signer.publicKeyPem,
      });
      expect(report.exitCode).toBe(VERIFY_EXIT.unreadable);
      const codes = codesOf(report);
      expect(codes.filter((c) => c.includes('audit-events/'))).toHaveLength(1);
      expect(codes.some((c) => c.startsWith('missing-file'))).toBe(false);
    });

    it('reports it too when stored bytes were patched in place', async () => {
      const path = join(dir, 'patched.zip');
      await rewriteZip(bundle, path, (items) => items);
      await patchBytes(path, 'attestation\n', 'attestatioN\n');
      const report = await verifyBundle(path);
      expect(report.exitCode).toBe(VERIFY_EXIT.integrity);
      expect(codesOf(report)).toEqual([
        'checksum-mismatch attestations/passwd',
      ]);
    });
  });

  describe('when an entry was added or dropped', () => {
    it('reports an added entry as unlisted', async () => {
      const report = await verifyEdited('added.zip', (items) => [
        ...items,
        { name: 'sboms/extra.json', data: Buffer.from('{}') },
      ]);
      expect(report.exitCode).toBe(VERIFY_EXIT.integrity);
      expect(codesOf(report)).toEqual(['unlisted-file sboms/extra.json']);
    });

    it('reports a dropped entry as missing', async () => {
      const report = await verifyEdited('dropped.zip', (items) =>
        items.filter((i) => i.name !== 'policy-reports/report.json'),
      );
      expect(report.exitCode).toBe(VERIFY_EXIT.integrity);
      expect(codesOf(report)).toContain(
        'missing-file policy-reports/report.json',
      );
    });
  });

  describe('when the signature was replaced', () => {
    it('rejects a valid signature of the index by another key', async () => {
      const items = await readZipItems(bundle);
      const index = items.find((i) => i.name === 'SHA512SUMS')!.data;
      const forged = toCosignSignature(await aSigner().sign(index));
      const report = await verifyEdited(
        'other-key.zip',
        replaceItem('SHA512SUMS.sig', () => Buffer.from(forged)),
      );
      expect(report.exitCode).toBe(VERIFY_EXIT.signature);
      expect(codesOf(report)).toEqual(['signature-invalid SHA512SUMS.sig']);
    });

    it('rejects garbage in place of the signature', async () => {
      const report = await verifyEdited(
        'garbage-sig.zip',
        replaceItem('SHA512SUMS.sig', () => Buffer.from('not a signature')),
      );
      expect(report.exitCode).toBe(VERIFY_EXIT.signature);
      expect(codesOf(report)).toEqual(['signature-invalid SHA512SUMS.sig']);
    });

    it('rejects a whole bundle re-signed by another key', async () => {
      const report = await verifyBundle(bundle, {
        publicKeyPem: aSigner().publicKeyPem,
      });
      expect(report.exitCode).toBe(VERIFY_EXIT.signature);
      expect(codesOf(report)).toEqual(
        expect.arrayContaining([
          'key-mismatch cosign.pub',
          'signature-invalid SHA512SUMS.sig',
          'signature-invalid SHA512SUMS.sigstore.json',
        ]),
      );
    });

    it('rejects a Sigstore bundle with a wrong message digest', async () => {
      const report = await verifyEdited(
        'digest.zip',
        replaceItem('SHA512SUMS.sigstore.json', (d) => {
          const json = JSON.parse(d.toString()) as {
            messageSignature: { messageDigest: { digest: string } };
          };
          json.messageSignature.messageDigest.digest =
            Buffer.alloc(32).toString('base64');
          return Buffer.from(JSON.stringify(json));
        }),
      );
      expect(report.exitCode).toBe(VERIFY_EXIT.signature);
      expect(report.problems[0]?.message).toMatch(/messageDigest/);
    });
  });

  describe('when the manifest was edited', () => {
    it('reports the checksum of manifest.json (integrity)', async () => {
      const report = await verifyEdited(
        'manifest.zip',
        replaceItem('manifest.json', (d) =>
          Buffer.from(d.toString().replace('Acme Corp', 'Acme Inc.')),
        ),
      );
      expect(report.exitCode).toBe(VERIFY_EXIT.integrity);
      expect(codesOf(report)).toEqual(['checksum-mismatch manifest.json']);
    });

    it('reports a manifest that disagrees with a re-signed index', async () => {
      const path = join(dir, 'resigned.zip');
      const items = await readZipItems(bundle);
      const manifest = items.find((i) => i.name === 'manifest.json')!;
      manifest.data = Buffer.from(
        manifest.data.toString().replace(/"size": 8,/, '"size": 9,'),
      );
      await writeZipItems(path, await resign(items, signer));
      const report = await verifyBundle(path);
      expect(report.exitCode).toBe(VERIFY_EXIT.integrity);
      expect(report.problems.map((p) => p.code)).toContain('manifest-mismatch');
    });
  });

  describe('when the ZIP is unsafe or unreadable', () => {
    it('refuses an entry named ../evil', async () => {
      const path = join(dir, 'slip.zip');
      await writeZipItems(path, [{ name: 'xx/evil', data: Buffer.from('x') }]);
      await patchBytes(path, 'xx/evil', '../evil');
      const report = await verifyBundle(path);
      expect(report.exitCode).toBe(VERIFY_EXIT.unreadable);
      expect(codesOf(report)).toContain('unsafe-path ../evil');
    });

    it('refuses a name that appears twice', async () => {
      const path = join(dir, 'twice.zip');
      await rewriteZip(bundle, path, (items) => [
        ...items,
        { name: 'README.tx2', data: Buffer.from('second readme') },
      ]);
      await patchBytes(path, 'README.tx2', 'README.txt');
      const report = await verifyBundle(path);
      expect(report.exitCode).toBe(VERIFY_EXIT.unreadable);
      expect(codesOf(report)).toContain('duplicate-entry README.txt');
    });

    it('refuses a file that is not a ZIP', async () => {
      const path = join(dir, 'not.zip');
      await writeFile(path, 'just some text, not an archive\n');
      const report = await verifyBundle(path);
      expect(report).toMatchObject({
        ok: false,
        exitCode: VERIFY_EXIT.unreadable,
      });
      expect(report.problems.map((p) => p.code)).toEqual(['not-a-zip']);
      expect(formatReport(report)).toContain('NOT VERIFIED (exit 4)');
    });
  });
});

/** Re-hashes manifest.json into the index and signs it again with `by`. */
async function resign(items: ZipItem[], by: Signer): Promise<ZipItem[]> {
  const find = (name: string) => items.find((i) => i.name === name)!;
  const manifestLine = `${sha512(find('manifest.json').data)}  manifest.json`;
  const index = Buffer.from(
    find('SHA512SUMS')
      .data.toString()
      .replace(/^[0-9a-f]+ {2}manifest\.json$/m, manifestLine),
  );
  const der = await by.sign(index);
  const bundleJson = toSigstoreBundle(index, der, by.publicKeyPem);
  const replaced: Record<string, Buffer> = {
    SHA512SUMS: index,
    'SHA512SUMS.sig': Buffer.from(toCosignSignature(der)),
    'SHA512SUMS.sigstore.json': Buffer.from(JSON.stringify(bundleJson)),
  };
  return items.map((i) => ({ name: i.name, data: replaced[i.name] ?? i.data }));
}

function sha512(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}
