import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BundleRecord,
  ProvenanceStore,
} from '../../src/provenance/index.js';

/** A store under test and how to let it go. */
export interface ContractSubject {
  store: ProvenanceStore;
  close(): Promise<void>;
}

const hex = () => randomBytes(64).toString('hex');

/** A published bundle of `tenantId` holding these artifacts. */
export function aBundle(
  tenantId: string,
  artifacts: BundleRecord['artifacts'],
  at: Date,
  requestedBy = 'alice@example',
): BundleRecord {
  return {
    tenantId,
    job: {
      id: randomUUID(),
      requestedBy,
      requestedAt: new Date(at.getTime() - 60_000),
      window: {
        from: new Date('2026-01-01T00:00:00Z'),
        to: new Date('2026-02-01T00:00:00Z'),
      },
    },
    bundle: {
      sha512: hex(),
      size: 12345,
      keyId: `sha256:${randomBytes(32).toString('hex')}`,
      publishedAt: at,
    },
    artifacts,
  };
}

/**
 * The behaviour every ProvenanceStore shares, run against PostgreSQL
 * always and against Neo4j when NEO4J_URL is set. The tenants `acme` and
 * `globex` must exist.
 */
export function provenanceContract(
  name: string,
  open: () => Promise<ContractSubject>,
): void {
  describe(`the ${name} provenance store`, () => {
    let subject: ContractSubject;
    let store: ProvenanceStore;
    const sbom = { sha512: hex(), kind: 'sboms' as const };
    const attestation = { sha512: hex(), kind: 'attestations' as const };
    const first = aBundle(
      'acme',
      [
        { ...sbom, path: 'sboms/app.cdx.json' },
        { ...attestation, path: 'attestations/app.intoto.json' },
      ],
      new Date('2026-03-01T10:00:00Z'),
    );
    const second = aBundle(
      'acme',
      [{ ...sbom, path: 'sboms/app.cdx.json' }],
      new Date('2026-03-02T10:00:00Z'),
      'bob@example',
    );
    // The same artifact, disclosed by another tenant.
    const foreign = aBundle(
      'globex',
      [{ ...sbom, path: 'sboms/theirs.cdx.json' }],
      new Date('2026-03-03T10:00:00Z'),
    );

    beforeAll(async () => {
      subject = await open();
      store = subject.store;
      // Newest first, to show the answers are ordered by time.
      await store.recordBundle(second);
      await store.recordBundle(first);
      await store.recordBundle(foreign);
    });
    afterAll(async () => {
      await subject?.close();
    });

    describe('the artifact query', () => {
      it('finds every bundle of the tenant that contained it, oldest first', async () => {
        const found = await store.artifact('acme', sbom.sha512);
        expect(found?.bundles).toEqual([
          {
            sha512: first.bundle.sha512,
            size: 12345,
            keyId: first.bundle.keyId,
            publishedAt: first.bundle.publishedAt,
            jobId: first.job.id,
            requestedBy: 'alice@example',
            path: 'sboms/app.cdx.json',
            kind: 'sboms',
          },
          expect.objectContaining({
            sha512: second.bundle.sha512,
            jobId: second.job.id,
            requestedBy: 'bob@example',
          }),
        ]);
      });

      it("never answers with another tenant's bundles", async () => {
        const theirs = await store.artifact('globex', sbom.sha512);
        expect(theirs?.bundles.map((b) => b.sha512)).toEqual([
          foreign.bundle.sha512,
        ]);
        expect(await store.artifact('globex', attestation.sha512)).toBeNull();
      });

      it('answers null for an artifact no bundle held', async () => {
        expect(await store.artifact('acme', hex())).toBeNull();
      });
    });

    describe('the bundle query', () => {
      it('answers its job, key and artifacts', async () => {
        const found = await store.bundle('acme', first.bundle.sha512);
        expect(found).toMatchObject({
          sha512: first.bundle.sha512,
          size: 12345,
          keyId: first.bundle.keyId,
          publishedAt: first.bundle.publishedAt,
          job: {
            id: first.job.id,
            requestedBy: 'alice@example',
            requestedAt: first.job.requestedAt,
            window: first.job.window,
          },
          artifacts: [
            { ...attestation, path: 'attestations/app.intoto.json' },
            { ...sbom, path: 'sboms/app.cdx.json' },
          ],
          downloads: [],
        });
      });

      it("answers null for another tenant's bundle", async () => {
        expect(await store.bundle('globex', first.bundle.sha512)).toBeNull();
        expect(await store.bundle('acme', foreign.bundle.sha512)).toBeNull();
      });
    });

    describe('downloads', () => {
      it('are listed with who, how and when, oldest first', async () => {
        const at = new Date('2026-03-05T08:00:00Z');
        const later = new Date('2026-03-05T09:00:00Z');
        const download = {
          tenantId: 'acme',
          bundleSha512: second.bundle.sha512,
        };
        await store.recordDownload({
          ...download,
          id: randomUUID(),
          actor: 'link:job',
          via: 'link',
          at: later,
        });
        await store.recordDownload({
          ...download,
          id: randomUUID(),
          actor: 'carol@example',
          via: 'token',
          at,
        });
        const found = await store.bundle('acme', second.bundle.sha512);
        expect(found?.downloads).toEqual([
          { actor: 'carol@example', via: 'token', at },
          { actor: 'link:job', via: 'link', at: later },
        ]);
      });

      it("are not recorded against another tenant's bundle", async () => {
        await store.recordDownload({
          tenantId: 'globex',
          bundleSha512: first.bundle.sha512,
          id: randomUUID(),
          actor: 'eve@globex',
          via: 'token',
          at: new Date(),
        });
        const found = await store.bundle('acme', first.bundle.sha512);
        expect(found?.downloads).toEqual([]);
      });
    });

    describe('recording again', () => {
      it('changes nothing', async () => {
        await store.recordBundle(first);
        const found = await store.artifact('acme', sbom.sha512);
        expect(found?.bundles).toHaveLength(2);
        const bundle = await store.bundle('acme', first.bundle.sha512);
        expect(bundle?.artifacts).toHaveLength(2);
      });
    });
  });
}
