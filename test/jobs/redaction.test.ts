import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/bundle/index.js';
import type { ArtifactKind } from '../../src/domain/index.js';
import { ingestPaths } from '../../src/evidence/index.js';
import {
  bundleKeyOf,
  quarantineKeyOf,
  toAuditLine,
  type StoredJob,
} from '../../src/jobs/index.js';
import {
  DEFAULT_POLICY,
  DETECTOR_NAMES,
  RedactionPolicies,
  dlpRulesOf,
  findAll,
  policySchema,
  scanBundle,
  type RedactionPolicy,
} from '../../src/redaction/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import { BACKENDS } from '../support/db.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';
import { compareLeaves } from '../support/leaves.js';
import { schemaErrorsOf } from '../support/manifest.js';
import { readZipEntries } from '../support/zip.js';

corpusMissingIsFatal();

const WINDOW = {
  from: new Date('2000-01-01T00:00:00Z'),
  to: new Date('2090-01-01T00:00:00Z'),
};
const AUDIT_TRAILS = path.join(CORPUS_DIR, 'audit-trails');
// An SPDX document whose creator line names a person by e-mail.
const SBOM_WITH_EMAIL = path.join(
  CORPUS_DIR,
  'sboms',
  'spdx-2.3_minimal-with-security-refs.spdx.json',
);
// Values the ingested corpus logs and demo events hold in clear.
const CORPUS_PII = [
  '205.251.233.176',
  '"1.2.3.4"',
  '192.168.99.1',
  '127.0.0.1',
  '"::1"',
  'MY-KEY',
  'sample-alice@example.com',
  '192.0.2.10',
];
const ALL_DETECTORS = new Set(DETECTOR_NAMES);

function aPolicy(overrides: Partial<RedactionPolicy>): RedactionPolicy {
  return policySchema.parse({ ...DEFAULT_POLICY, ...overrides });
}

describe.skipIf(!CORPUS_PRESENT).each(BACKENDS)(
  'redaction and the DLP scan of export jobs on %s',
  (backend) => {
    let h: JobHarness;

    beforeAll(async () => {
      h = await openJobHarness(backend, 'redaction', {
        maxWindowDays: 36_600,
      });
      const ingest = await ingestPaths({
        tenantId: 'acme',
        paths: [AUDIT_TRAILS, SBOM_WITH_EMAIL],
        store: h.store,
        objects: h.objects,
      });
      // The CloudTrail and Kubernetes logs; the rest are not ingested yet
      // (test/redaction/corpus.test.ts redacts every one of them).
      expect(ingest.stored).toBeGreaterThanOrEqual(9);
    });
    afterAll(async () => {
      await h?.close();
    });

    /** Runs one export with a worker of these policies and settings. */
    async function exportWith(
      artifacts: ArtifactKind[],
      policies?: RedactionPolicies,
      dlpAction: 'fail' | 'quarantine' = 'fail',
    ): Promise<StoredJob> {
      const worker = await h.startWorker({ policies, dlpAction });
      try {
        const { job } = await h.jobs.createExport({
          tenantId: 'acme',
          window: WINDOW,
          artifacts,
          requestedBy: 'auditor',
          idempotencyKey: null,
        });
        return await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      } finally {
        await worker.stop(0);
      }
    }

    async function entriesOf(job: StoredJob): Promise<Map<string, Buffer>> {
      return readZipEntries(
        path.join(h.objectsDir, job.bundle?.objectKey ?? ''),
      );
    }

    function manifestOf(entries: Map<string, Buffer>): Manifest {
      return JSON.parse(
        entries.get('manifest.json')?.toString('utf8') ?? '',
      ) as Manifest;
    }

    describe('with the default policy', () => {
      let job: StoredJob;
      let entries: Map<string, Buffer>;

      beforeAll(async () => {
        job = await exportWith(['audit-events']);
        entries = await entriesOf(job);
      });

      it('completes and publishes the bundle', () => {
        expect(job.error).toBeNull();
        expect(job.status).toBe('completed');
      });

      it('leaves none of the corpus PII in the audit events', () => {
        const text = entries.get('audit-events/audit-events.jsonl')?.toString();
        expect(text?.length).toBeGreaterThan(10_000);
        for (const value of CORPUS_PII) expect(text).not.toContain(value);
      });

      it('scans clean with the DLP detectors', async () => {
        const key = bundleKeyOf('acme', job.id);
        const hits = await scanBundle(
          h.objects,
          key,
          [{ path: 'audit-events/audit-events.jsonl', lines: true }],
          dlpRulesOf(DEFAULT_POLICY),
        );
        expect(hits).toEqual([]);
      });

      it('keeps every field without personal data as it was', async () => {
        const lines = (entries.get('audit-events/audit-events.jsonl') ?? '')
          .toString()
          .trimEnd()
          .split('\n');
        let i = 0;
        let redacted = 0;
        let kept = 0;
        for await (const event of h.store.streamAuditEvents('acme', WINDOW)) {
          const compared = compareLeaves(toAuditLine(event), lines[i] ?? '');
          i += 1;
          redacted += compared.redacted;
          kept += compared.kept;
        }
        expect(i).toBe(lines.length);
        expect(redacted).toBeGreaterThan(50);
        expect(kept).toBeGreaterThan(1000);
      });

      it('summarises the redactions per rule in a manifest the schema accepts', async () => {
        const manifest = manifestOf(entries);
        expect(await schemaErrorsOf(manifest)).toEqual([]);
        const rules = manifest.redactions.map((r) => r.rule);
        expect(rules).toEqual(
          expect.arrayContaining(['email', 'ipv4', 'ipv6']),
        );
        for (const r of manifest.redactions) {
          expect(r.path).toBe('audit-events/audit-events.jsonl');
          expect(r.policy).toBe('default');
          expect(r.count).toBeGreaterThan(0);
        }
        const text = entries.get('manifest.json')?.toString();
        for (const value of CORPUS_PII) expect(text).not.toContain(value);
      });

      it('counts the redactions in dp_redactions_total by rule', async () => {
        const manifest = manifestOf(entries);
        const metric = await h.metrics.redactionsTotal.get();
        const email = metric.values.find((v) => v.labels.rule === 'email');
        const expected = manifest.redactions.find((r) => r.rule === 'email');
        expect(email?.value).toBe(expected?.count);
      });
    });

    describe('with a policy that leaves e-mail addresses in', () => {
      let job: StoredJob;
      const dlpBefore = async () =>
        (await h.metrics.dlpHitsTotal.get()).values
          .filter((v) => v.labels.detector === 'email')
          .reduce((sum, v) => sum + v.value, 0);
      let hitsBefore = 0;

      beforeAll(async () => {
        hitsBefore = await dlpBefore();
        const lax = aPolicy({
          name: 'lax',
          detectors: { ipv4: 'mask', ipv6: 'mask' },
          dlp: { detectors: [...DETECTOR_NAMES], kinds: [] },
        });
        job = await exportWith(
          ['audit-events'],
          new RedactionPolicies({ acme: lax }),
        );
      });

      it('fails the job for good with DP_DLP_HIT, naming counts only', () => {
        expect(job.status).toBe('failed');
        expect(job.error?.code).toBe('DP_DLP_HIT');
        expect(job.error?.message).toMatch(/\d+ email in audit-events\//);
        expect(job.error?.message).not.toContain('@');
        expect(job.attempts).toBe(1);
      });

      it('publishes nothing and leaves nothing staged', async () => {
        expect(job.bundle).toBeNull();
        const files = await h.files();
        expect(files.filter((f) => f.includes(job.id))).toEqual([]);
      });

      it('counts the hits in dp_dlp_hits_total', async () => {
        expect(await dlpBefore()).toBeGreaterThan(hitsBefore);
      });
    });

    describe('with a policy whose DLP scan covers an SBOM it does not redact', () => {
      const strict = aPolicy({
        name: 'strict',
        dlp: { kinds: ['sboms'] },
      });

      it('fails the job, the document holding an e-mail address', async () => {
        const job = await exportWith(
          ['sboms'],
          new RedactionPolicies({ acme: strict }),
        );
        expect(job.status).toBe('failed');
        expect(job.error?.code).toBe('DP_DLP_HIT');
        expect(job.error?.message).toMatch(/email in sboms\/spdx-2\.3_minimal/);
        expect(await h.files()).not.toContainEqual(bundleKeyOf('acme', job.id));
      });

      it('keeps the bundle in quarantine, unpublished, when set to', async () => {
        const job = await exportWith(
          ['sboms'],
          new RedactionPolicies({ acme: strict }),
          'quarantine',
        );
        expect(job.status).toBe('failed');
        expect(job.error?.message).toContain(quarantineKeyOf('acme', job.id));
        const files = (await h.files()).filter((f) => f.includes(job.id));
        expect(files).toEqual([quarantineKeyOf('acme', job.id)]);
      });
    });

    describe('with a policy that names SBOMs', () => {
      it('redacts them, marks them in the manifest, and publishes', async () => {
        const policy = aPolicy({ name: 'sboms-too', documents: ['sboms'] });
        const job = await exportWith(
          ['sboms'],
          new RedactionPolicies({ acme: policy }),
        );
        expect(job.error).toBeNull();
        expect(job.status).toBe('completed');
        const entries = await entriesOf(job);
        const manifest = manifestOf(entries);
        const file = manifest.files.find((f) =>
          f.path.includes('minimal-with-security-refs'),
        );
        expect(file?.redacted).toBe(true);
        expect(manifest.redactions).toContainEqual({
          path: file?.path,
          policy: 'sboms-too',
          rule: 'email',
          count: 2,
        });
        const untouched = manifest.files.filter((f) => f !== file);
        expect(untouched.every((f) => f.redacted === undefined)).toBe(true);
        const text = entries.get(file?.path ?? '')?.toString() ?? '';
        expect(findAll(text, ALL_DETECTORS)).toEqual([]);
        expect(JSON.parse(text)).toMatchObject({ spdxVersion: 'SPDX-2.3' });
      });
    });
  },
);
