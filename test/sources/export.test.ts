import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/index.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import {
  SECRET,
  corpusDocuments,
  corpusEvents,
  startEvidenceService,
  type EvidenceService,
} from '../support/evidenceservice.js';
import { schemaErrorsOf } from '../support/manifest.js';
import { readZipEntries } from '../support/zip.js';

const K8S_LOG =
  'audit-trails/k8s-audit_create_configmap_sensitive_values.jsonl';
const SBOMS = [
  'sboms/spdx-2.3_minimal-with-security-refs.spdx.json',
  'sboms/cyclonedx-1.4_saasbom-services.bom.json',
];
const SECRET_ENV = 'DP_TEST_EXPORT_CONNECTOR_SECRET';

/** The connectors file of acme: two good services, one down, one broken. */
function connectorsYaml(url: string): string {
  const auth = `{ header: Authorization, scheme: Bearer, env: ${SECRET_ENV} }`;
  const entry = (name: string, kind: string, route: string) =>
    [
      `  - name: ${name}`,
      '    tenant: acme',
      `    kind: ${kind}`,
      `    url: ${url}${route}`,
      `    auth: ${auth}`,
      '    timeoutMs: 300',
      '    retries: 1',
      '    retryBaseMs: 10',
      '    pageSize: 4',
    ].join('\n');
  return [
    'connectors:',
    entry('acme-audit', 'audit-events', '/audit'),
    entry('acme-sboms', 'sboms', '/sboms'),
    entry('acme-policies', 'policy-reports', '/down'),
    entry('acme-attestations', 'attestations', '/broken'),
  ].join('\n');
}

describe.skipIf(!CORPUS_PRESENT && !corpusMissingIsFatal())(
  'an export of a tenant with connectors',
  () => {
    let service: EvidenceService;
    let api: TestServer;
    let dir: string;
    let job: any;
    let entries: Map<string, Buffer>;
    let bundleFile: string;

    beforeAll(async () => {
      service = await startEvidenceService({
        '/audit': {
          key: 'events',
          items: corpusEvents(K8S_LOG, (r) =>
            String(r.requestReceivedTimestamp),
          ),
        },
        '/sboms': {
          key: 'documents',
          items: corpusDocuments(
            SBOMS.map((file, i) => ({
              file,
              time: `2018-10-26T0${i + 1}:00:00Z`,
            })),
          ),
        },
        '/down': { key: 'documents', items: [], fault: () => true },
        '/broken': {
          key: 'documents',
          items: [],
          fault: (_page, _attempt, res) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"documents": [ {"name": ');
            return true;
          },
        },
      });
      dir = await mkdtemp(path.join(os.tmpdir(), 'dp-connector-export-'));
      const file = path.join(dir, 'connectors.yaml');
      await writeFile(file, connectorsYaml(service.url));
      process.env[SECRET_ENV] = SECRET;
      api = await startTestServer({
        config: {
          connectorsFile: file,
          security: { urlAllowList: ['127.0.0.1'] },
        },
      });

      const created = await api.call('POST', '/disclosures/export', {
        body: {
          tenantId: 'acme',
          dateRange: {
            from: '2018-10-26T00:00:00Z',
            to: '2018-10-27T00:00:00Z',
          },
          artifacts: [
            'audit-events',
            'sboms',
            'attestations',
            'policy-reports',
          ],
        },
      });
      expect(created.status).toBe(202);
      job = (await waitForJob(api, String(created.json.jobId))).json;
      const bundle = await api.call('GET', `/jobs/${job.jobId}/bundle`);
      expect(bundle.status).toBe(200);
      bundleFile = path.join(dir, 'bundle.zip');
      await writeFile(bundleFile, bundle.bytes);
      entries = await readZipEntries(bundleFile);
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await service?.close();
      delete process.env[SECRET_ENV];
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('ends partial, naming each kind a service did not give', () => {
      expect(job.status).toBe('partial');
      expect(job.kinds['audit-events']).toMatchObject({
        status: 'included',
        expected: 6,
        exported: 6,
      });
      expect(job.kinds.sboms).toMatchObject({
        status: 'included',
        exported: 2,
      });
      expect(job.kinds['policy-reports']).toMatchObject({
        status: 'omitted',
        retries: 1,
        reason: { code: 'DP_SOURCE_UNAVAILABLE' },
      });
      expect(job.kinds.attestations).toMatchObject({
        status: 'omitted',
        reason: { code: 'DP_CONNECTOR_INVALID' },
      });
    });

    it('never shows the connector secret', () => {
      expect(JSON.stringify(job)).not.toContain(SECRET);
      expect(entries.get('manifest.json')?.toString('utf8')).not.toContain(
        SECRET,
      );
    });

    it("puts the connectors' evidence in the bundle, byte for byte", () => {
      const lines = entries
        .get('audit-events/acme-audit.jsonl')
        ?.toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { source: { file: string } });
      expect(lines).toHaveLength(6);
      expect(lines?.[0]?.source.file).toBe('connector:acme-audit');
      for (const sbom of SBOMS) {
        expect(entries.get(`sboms/${path.basename(sbom)}`)).toEqual(
          readFileSync(path.join(CORPUS_DIR, sbom)),
        );
      }
    });

    it('says in the manifest what was missing and why', async () => {
      const manifest = JSON.parse(
        entries.get('manifest.json')?.toString('utf8') ?? '{}',
      );
      expect(await schemaErrorsOf(manifest)).toEqual([]);
      const missing = manifest.missing as { kind: string; code: string }[];
      expect(missing.map((m) => [m.kind, m.code]).sort()).toEqual([
        ['attestations', 'DP_CONNECTOR_INVALID'],
        ['policy-reports', 'DP_SOURCE_UNAVAILABLE'],
      ]);
      const sbom = (
        manifest.files as { path: string; metadata: object }[]
      ).find((f) => f.path === `sboms/${path.basename(SBOMS[0] ?? '')}`);
      expect(sbom?.metadata).toMatchObject({
        connector: 'acme-sboms',
        eventTimeSource: 'connector',
      });
    });

    it('verifies', async () => {
      const report = await verifyBundle(bundleFile);
      expect(report.ok).toBe(true);
    });

    it('counts the requests by kind and outcome', async () => {
      const metrics = await api.server.runtime.metrics.registry.metrics();
      expect(metrics).toContain(
        'dp_connector_requests_total{kind="audit-events",outcome="ok"} 2',
      );
      expect(metrics).toContain(
        'dp_connector_requests_total{kind="policy-reports",outcome="timeout"} 2',
      );
      expect(metrics).toContain(
        'dp_connector_requests_total{kind="attestations",outcome="invalid"} 1',
      );
    });
  },
);
