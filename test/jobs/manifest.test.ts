import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, ManifestFile } from '../../src/bundle/index.js';
import { ARTIFACT_KINDS } from '../../src/domain/index.js';
import { ingestPaths } from '../../src/evidence/index.js';
import type { StoredJob } from '../../src/jobs/index.js';
import { BACKENDS } from '../support/db.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';
import { schemaErrorsOf } from '../support/manifest.js';
import { readZipEntries } from '../support/zip.js';

// A BOM whose bom-ref graph is broken: a duplicate and a dangling ref.
// It must reach the bundle byte for byte, with the warnings beside it.
const BROKEN_BOM = Buffer.from(
  `${JSON.stringify(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      metadata: { timestamp: new Date().toISOString() },
      components: [
        { type: 'library', name: 'a', 'bom-ref': 'a' },
        { type: 'library', name: 'b', 'bom-ref': 'a' },
      ],
      dependencies: [{ ref: 'a', dependsOn: ['gone'] }],
    },
    null,
    3,
  )}\r\n`,
);

describe.each(BACKENDS)(
  'the manifest of a demo tenant export on %s',
  (backend) => {
    let h: JobHarness;
    let manifest: Manifest;
    let entries: Map<string, Buffer>;

    beforeAll(async () => {
      h = await openJobHarness(backend, 'manifest');
      const file = path.join(os.tmpdir(), `dp-broken-${backend}.cdx.json`);
      await writeFile(file, BROKEN_BOM);
      await ingestPaths({
        tenantId: 'acme',
        paths: [file],
        store: h.store,
        objects: h.objects,
        tags: ['jurisdiction:DE', 'team:payments'],
      });
      // The tenant's settings name EU (tenant_settings.jurisdiction_tags).
      const worker = await h.startWorker({
        jurisdictionsOf: (tenantId) =>
          Promise.resolve(tenantId === 'acme' ? ['EU'] : []),
      });
      let job: StoredJob;
      try {
        ({ job } = await h.jobs.createExport({
          tenantId: 'acme',
          window: h.window,
          artifacts: [...ARTIFACT_KINDS],
          requestedBy: 'auditor',
          idempotencyKey: null,
        }));
        job = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      } finally {
        await worker.stop(0);
      }
      expect(job.status).toBe('completed');
      entries = await readZipEntries(
        path.join(h.objectsDir, job.bundle?.objectKey ?? ''),
      );
      manifest = JSON.parse(
        entries.get('manifest.json')?.toString('utf8') ?? '',
      ) as Manifest;
    }, 120_000);

    afterAll(() => h?.close());

    const fileOf = (format: string): ManifestFile => {
      const file = manifest.files.find((f) => f.format === format);
      if (!file) throw new Error(`no ${format} in the manifest`);
      return file;
    };

    it('validates against the manifest schema', async () => {
      expect(await schemaErrorsOf(manifest)).toEqual([]);
    });

    it('states the rule that chose every file’s event time', () => {
      const rules = Object.fromEntries(
        manifest.files.map((f) => [f.format, f.eventTimeRule]),
      );
      expect(rules).toMatchObject({
        'disclosure-audit-jsonl': 'per event: its own time, by its format',
        'cyclonedx-json': 'metadata.timestamp',
      });
      expect(
        manifest.files.every((f) => typeof f.eventTimeRule === 'string'),
      ).toBe(true);
    });

    it('tags every file with the tenant’s jurisdiction', () => {
      expect(manifest.files.map((f) => f.jurisdictions)).toEqual(
        manifest.files.map((f) =>
          f.sha512 === sha512Of(BROKEN_BOM) ? ['DE', 'EU'] : ['EU'],
        ),
      );
    });

    it('counts the audit events per source format', () => {
      const audit = fileOf('disclosure-audit-jsonl');
      expect(audit.counts).toEqual({ 'kubernetes-audit': audit.items });
    });

    it('names the subjects of the provenance with their digests', () => {
      const provenance = manifest.files.find((f) => f.kind === 'attestations');
      expect(provenance?.subjects?.length).toBeGreaterThan(0);
      for (const subject of provenance?.subjects ?? []) {
        expect(Object.keys(subject.digest).length).toBeGreaterThan(0);
      }
      expect(provenance?.counts.subject).toBe(provenance?.subjects?.length);
    });

    it('gives the outcomes of the policy report', () => {
      const report = manifest.files.find((f) => f.kind === 'policy-reports');
      expect(Object.keys(report?.outcomes ?? {})).toEqual([
        'pass',
        'fail',
        'warn',
        'error',
        'skip',
      ]);
    });

    it('exports the BOM with the broken refs unchanged, with its warnings', () => {
      const file = manifest.files.find(
        (f) => f.sha512 === sha512Of(BROKEN_BOM),
      );
      expect(entries.get(file?.path ?? '')?.equals(BROKEN_BOM)).toBe(true);
      expect(file?.metadata.warnings).toEqual([
        'bom-ref given more than once: "a"',
        'dependency on a bom-ref that nothing declares: "gone"',
      ]);
      expect(file?.counts).toMatchObject({ component: 2, service: 0 });
    });
  },
);

function sha512Of(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex');
}
