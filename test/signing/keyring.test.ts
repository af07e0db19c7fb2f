import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VERIFY_EXIT,
  verifyBundle,
  type VerifyOptions,
} from '../../src/bundle/index.js';
import type { Database } from '../../src/db/index.js';
import {
  Keyring,
  encryptCosignKey,
  toSigner,
  type JobSigning,
  type TrustFile,
} from '../../src/signing/index.js';
import {
  aSource,
  aTempDir,
  anAssembly,
  assembleToFile,
} from '../bundle/builders.js';
import {
  BACKENDS,
  disposeTestDatabase,
  openTestDatabase,
} from '../support/db.js';

const PASSWORD = 'keyring password';

function aP256Key() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/** A keyring whose first key is active since the given time. */
async function aKeyring(db: Database, since = new Date()) {
  const keys = new Keyring(db, PASSWORD);
  const key = aP256Key();
  await keys.adopt(
    toSigner(key),
    encryptCosignKey(key, PASSWORD),
    'embedded',
    since,
  );
  return keys;
}

function codesOf(report: { problems: { code: string }[] }) {
  return report.problems.map((p) => p.code);
}

function checkOf(
  report: Awaited<ReturnType<typeof verifyBundle>>,
  name: string,
) {
  return report.checks.find((c) => c.name === name)?.status;
}

describe.each(BACKENDS)('the keyring on %s', (backend) => {
  let db: Database;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    db = await openTestDatabase(backend, 'keys');
    ({ dir, cleanup } = await aTempDir());
  });
  afterAll(async () => {
    await disposeTestDatabase(db);
    await cleanup();
  });

  /** Writes a bundle signed by a job's key; `during` runs mid-stream. */
  async function exportWith(
    name: string,
    signing: JobSigning,
    during: () => Promise<unknown> = () => Promise.resolve(),
  ) {
    const path = join(dir, `${name}.zip`);
    async function* slow() {
      yield Buffer.from('{"first":true}\n');
      await during();
      yield Buffer.from('{"second":true}\n');
    }
    await assembleToFile(
      path,
      anAssembly(signing.signer, {
        sources: [aSource({ content: slow })],
        artifacts: ['sboms'],
        signedAt: signing.takenAt,
      }),
    );
    return path;
  }

  async function verifyWith(path: string, options: VerifyOptions) {
    return verifyBundle(path, options);
  }

  describe('when a key is rotated while a job streams', () => {
    let keys: Keyring;
    let before: JobSigning;
    let after: JobSigning;
    let oldBundle: string;
    let newBundle: string;
    let trust: TrustFile;

    beforeAll(async () => {
      keys = await aKeyring(db, new Date(Date.now() - 60_000));
      before = await keys.signerForJob();
      oldBundle = await exportWith('old', before, () =>
        keys.rotate(aP256Key(), 'generated'),
      );
      after = await keys.signerForJob();
      newBundle = await exportWith('new', after);
      trust = await keys.trustFile();
    });

    it('gives the job that started first the old key to the end', () => {
      expect(after.signer.keyId).not.toBe(before.signer.keyId);
      expect(after.takenAt.getTime()).toBeGreaterThanOrEqual(
        before.takenAt.getTime(),
      );
    });

    it('publishes one active and one retired key with adjoining windows', () => {
      const [old, current] = trust.keys;
      expect(old).toMatchObject({
        keyId: before.signer.keyId,
        status: 'retired',
      });
      expect(current).toMatchObject({
        keyId: after.signer.keyId,
        status: 'active',
        validUntil: null,
      });
      expect(old?.validUntil).toBe(current?.validFrom);
    });

    it('verifies the bundle of the running job with the retired key', async () => {
      const report = await verifyWith(oldBundle, { trust });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({
        ok: true,
        keyId: before.signer.keyId,
        keySource: 'trusted',
      });
      expect(checkOf(report, 'key-validity')).toBe('passed');
      expect(checkOf(report, 'rotation-chain')).toBe('passed');
    });

    it('verifies the bundle of the next job with the new key', async () => {
      const report = await verifyWith(newBundle, { trust });
      expect(report.problems).toEqual([]);
      expect(report.keyId).toBe(after.signer.keyId);
    });

    it('follows the chain from the old key to the new one', async () => {
      const report = await verifyWith(newBundle, {
        trust,
        publicKeyPem: before.signer.publicKeyPem,
      });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    });

    it('records the hand-over as a statement the old key signed', () => {
      const [rotation] = trust.rotations;
      expect(trust.rotations).toHaveLength(1);
      expect(JSON.parse(rotation?.statement ?? '')).toMatchObject({
        previousKeyId: before.signer.keyId,
        nextKeyId: after.signer.keyId,
        nextPublicKeyPem: after.signer.publicKeyPem,
        rotatedAt: trust.keys[1]?.validFrom,
      });
    });

    it('fails a chain whose statement was altered', async () => {
      const [rotation] = trust.rotations;
      const forged = {
        ...trust,
        rotations: [
          {
            ...rotation!,
            statement: rotation!.statement.replace('Z"', '1Z"'),
          },
        ],
      };
      const report = await verifyWith(newBundle, {
        trust: forged,
        publicKeyPem: before.signer.publicKeyPem,
      });
      expect(codesOf(report)).toEqual([
        'rotation-chain-broken',
        'key-untrusted',
      ]);
      expect(report.exitCode).toBe(VERIFY_EXIT.signature);
    });

    it('fails a bundle signed after its key was retired', async () => {
      const late = await exportWith('late', {
        signer: before.signer,
        takenAt: new Date(),
      });
      const report = await verifyWith(late, { trust });
      expect(codesOf(report)).toEqual(['key-outside-validity']);
      expect(checkOf(report, 'key-validity')).toBe('failed');
    });

    it('fails the bundles of a revoked key unless told to accept it', async () => {
      await keys.revoke(before.signer.keyId, 'laptop stolen');
      const revoked = await keys.trustFile();
      const report = await verifyWith(oldBundle, { trust: revoked });
      expect(codesOf(report)).toEqual(['key-revoked']);
      expect(report.problems[0]?.message).toContain('laptop stolen');
      expect(report.exitCode).toBe(VERIFY_EXIT.signature);
      const accepted = await verifyWith(oldBundle, {
        trust: revoked,
        allowRevoked: [before.signer.keyId],
      });
      expect(accepted.ok).toBe(true);
    });

    it('keeps the first revocation and its reason when revoked again', async () => {
      const keyId = before.signer.keyId;
      const same = await keys.revoke(keyId, 'laptop stolen');
      expect(same.changed).toBe(false);
      await expect(keys.revoke(keyId, 'another reason')).rejects.toMatchObject({
        code: 'DP_KEY_STATE',
        message: expect.stringMatching(
          /is already revoked, since .* for "laptop stolen"/,
        ) as string,
      });
      const published = (await keys.trustFile()).keys.find(
        (k) => k.keyId === keyId,
      );
      expect(published?.revocationReason).toBe('laptop stolen');
      expect(published?.revokedAt).toBe(same.key.revokedAt?.toISOString());
    });

    it('still verifies the new key after the old one was revoked', async () => {
      const report = await verifyWith(newBundle, {
        trust: await keys.trustFile(),
      });
      expect(report.ok).toBe(true);
    });

    it('stops the chain at a revoked key: its hand-over proves nothing', async () => {
      const report = await verifyWith(newBundle, {
        trust: await keys.trustFile(),
        publicKeyPem: before.signer.publicKeyPem,
      });
      expect(codesOf(report)).toEqual([
        'rotation-chain-broken',
        'key-untrusted',
      ]);
      expect(report.problems[0]?.message).toContain(
        `the rotation chain stops at ${before.signer.keyId}, which is revoked`,
      );
      expect(report.ok).toBe(false);
    });

    it('refuses to revoke or retire the active key', async () => {
      const active = after.signer.keyId;
      await expect(keys.revoke(active, 'x')).rejects.toMatchObject({
        code: 'DP_KEY_STATE',
      });
      await expect(keys.retire(active)).rejects.toMatchObject({
        code: 'DP_KEY_STATE',
      });
    });

    it('refuses a key that was used before', async () => {
      const again = new Keyring(db, PASSWORD);
      const reused = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      await again.rotate(reused.privateKey, 'generated');
      await expect(
        again.rotate(reused.privateKey, 'imported'),
      ).rejects.toMatchObject({ code: 'DP_KEY_STATE' });
    });
  });

  describe('when two rotations race', () => {
    it('keeps exactly one active key', async () => {
      const other = await openTestDatabase(backend, 'race');
      try {
        const keys = await aKeyring(other);
        const results = await Promise.allSettled([
          keys.rotate(aP256Key(), 'generated'),
          keys.rotate(aP256Key(), 'generated'),
        ]);
        const active = (await keys.list()).filter((k) => k.status === 'active');
        expect(active).toHaveLength(1);
        expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
        for (const result of results) {
          if (result.status === 'rejected') {
            expect(result.reason).toMatchObject({ code: 'DP_KEY_STATE' });
          }
        }
      } finally {
        await disposeTestDatabase(other);
      }
    });
  });

  describe('when an old key is imported as retired', () => {
    it('verifies the bundles it signed within its window only', async () => {
      const other = await openTestDatabase(backend, 'import');
      try {
        const keys = await aKeyring(other);
        const key = aP256Key();
        const window = {
          from: new Date('2025-01-01T00:00:00Z'),
          until: new Date('2025-07-01T00:00:00Z'),
        };
        const keyId = await keys.importRetired(key, window);
        const signer = toSigner(key);
        const inside = await exportWith('inside', {
          signer,
          takenAt: new Date('2025-03-01T00:00:00Z'),
        });
        const outside = await exportWith('outside', {
          signer,
          takenAt: new Date('2025-08-01T00:00:00Z'),
        });
        const trust = await keys.trustFile();
        expect(trust.keys.find((k) => k.keyId === keyId)?.status).toBe(
          'retired',
        );
        expect((await verifyWith(inside, { trust })).ok).toBe(true);
        expect(codesOf(await verifyWith(outside, { trust }))).toEqual([
          'key-outside-validity',
        ]);
        await keys.retire(keyId, new Date('2025-02-01T00:00:00Z'));
        expect(
          codesOf(await verifyWith(inside, { trust: await keys.trustFile() })),
        ).toEqual(['key-outside-validity']);
      } finally {
        await disposeTestDatabase(other);
      }
    });
  });
});
