import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/evidence/index.js';
import type { StoredJob } from '../../src/jobs/index.js';
import { PostgresProvenanceStore } from '../../src/provenance/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import { BACKENDS } from '../support/db.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';

const SBOM = path.join(
  CORPUS_DIR,
  'sboms',
  'cyclonedx-1.4_juice-shop-npm.bom.json',
);

describe.skipIf(!CORPUS_PRESENT && !corpusMissingIsFatal()).each(BACKENDS)(
  'the provenance of exports on %s',
  (backend) => {
    let h: JobHarness;
    let provenance: PostgresProvenanceStore;
    let sbomSha512: string;
    const jobs: StoredJob[] = [];

    beforeAll(async () => {
      h = await openJobHarness(backend, 'provexp', { maxWindowDays: 36_600 });
      provenance = new PostgresProvenanceStore(h.db);
      const summary = await ingestPaths({
        tenantId: 'acme',
        paths: [SBOM],
        store: h.store,
        objects: h.objects,
      });
      expect(summary.stored).toBe(1);
      const { rows } = await h.db.query<{ sha512: string }>(
        `SELECT sha512 FROM evidence_documents
         WHERE tenant_id = 'acme' AND file_name = $1`,
        [path.basename(SBOM)],
      );
      sbomSha512 = rows[0]?.sha512 ?? '';
      await h.startWorker({ provenance });
      for (const requestedBy of ['alice@acme.example', 'bob@acme.example']) {
        const { job } = await h.jobs.createExport({
          tenantId: 'acme',
          window: {
            from: new Date('2000-01-01T00:00:00Z'),
            to: h.window.to,
          },
          artifacts: ['sboms', 'audit-events'],
          requestedBy,
          idempotencyKey: null,
        });
        jobs.push(await h.waitFor(job.id, ['completed', 'partial']));
      }
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it('finds both bundles that contained the corpus SBOM, for whom and when', async () => {
      // The worker records a bundle's provenance just after publishing it,
      // so the job can read completed a moment before its record is there.
      await expect
        .poll(
          async () =>
            (await provenance.artifact('acme', sbomSha512))?.bundles.length,
          { timeout: 10_000 },
        )
        .toBe(jobs.length);
      const found = await provenance.artifact('acme', sbomSha512);
      expect(
        found?.bundles.map((b) => [b.sha512, b.jobId, b.requestedBy]),
      ).toEqual(jobs.map((j) => [j.bundle?.sha512, j.id, j.requestedBy]));
      for (const bundle of found?.bundles ?? []) {
        expect(bundle.kind).toBe('sboms');
        expect(bundle.path).toMatch(/^sboms\//);
        expect(bundle.keyId).toBe(h.signer.keyId);
      }
    });

    it('records what each bundle held, its job and its key', async () => {
      const [first] = jobs;
      const found = await provenance.bundle(
        'acme',
        first?.bundle?.sha512 ?? '',
      );
      expect(found?.job.id).toBe(first?.id);
      expect(found?.size).toBe(first?.bundle?.size);
      expect(found?.keyId).toBe(first?.bundle?.keyId);
      expect(found?.artifacts.map((a) => a.sha512)).toContain(sbomSha512);
      expect(found?.artifacts.some((a) => a.kind === 'audit-events')).toBe(
        true,
      );
    });

    it('is not visible to another tenant', async () => {
      expect(await provenance.artifact('globex', sbomSha512)).toBeNull();
    });
  },
);
