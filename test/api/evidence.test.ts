import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';
import { expectToMatchContract } from '../support/contract.js';
import {
  CORPUS_DIR,
  corpusMissingIsFatal,
  CORPUS_PRESENT,
} from '../support/corpus.js';

const K8S_LOG =
  'audit-trails/k8s-audit_create_configmap_sensitive_values.jsonl';
const SBOM = 'sboms/spdx-2.3_minimal-with-security-refs.spdx.json';
const BIG_SBOM = 'sboms/cyclonedx-1.4_juice-shop-npm.bom.json';
const LIMIT = 64 * 1024;
// A Kubernetes audit event without the time every event must have.
const UNTIMED_EVENT = JSON.stringify({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  auditID: '5d1f0c4e-0000-4000-8000-000000000001',
});

const corpus = (file: string) => path.join(CORPUS_DIR, file);

interface Sent {
  status: number;
  headers: Headers;
  json: any;
}

/**
 * POSTs a body to the API, a stream being sent chunked (no length), and
 * holds the answer to the OpenAPI document.
 */
async function send(
  api: TestServer,
  pathname: string,
  body: Buffer | Readable,
  options: { token?: string; type?: string } = {},
): Promise<Sent> {
  const res = await fetch(new URL(pathname, api.server.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.token ?? api.tokens.acme}`,
      'content-type': options.type ?? 'application/jsonl',
    },
    body: body instanceof Readable ? Readable.toWeb(body) : body,
    duplex: 'half',
  });
  const type = res.headers.get('content-type');
  const json: unknown = type?.includes('json') ? await res.json() : null;
  expectToMatchContract('POST', pathname, res.status, type, json);
  return { status: res.status, headers: res.headers, json };
}

/** The k8s audit log with a bad line of each sort woven between its records. */
async function logWithBadLines(): Promise<Buffer> {
  const lines = (await readFile(corpus(K8S_LOG), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '');
  const [first = '', second = '', ...rest] = lines;
  return Buffer.from(
    [
      first,
      second.slice(0, 40), // line 2: cut short
      'null', // line 3
      'not json at all', // line 4
      ...rest,
      '{"kind":"Event"}', // an event with nothing to read
    ].join('\r\n') + '\r\n',
  );
}

describe.skipIf(!CORPUS_PRESENT && !corpusMissingIsFatal())(
  'the ingest API',
  () => {
    let api: TestServer;

    beforeAll(async () => {
      api = await startTestServer({ config: { ingestMaxBytes: LIMIT } });
    });
    afterAll(async () => {
      await api?.close();
    });

    describe('POST /evidence/audit-events', () => {
      it('stores a real audit log streamed in chunks, then knows it', async () => {
        const url = '/evidence/audit-events?tenantId=acme&name=k8s.jsonl';
        const first = await send(
          api,
          url,
          createReadStream(corpus(K8S_LOG), { highWaterMark: 1024 }),
        );
        expect(first.status).toBe(201);
        expect(first.json).toMatchObject({
          status: 'stored',
          format: 'kubernetes-audit',
          events: { read: 6, stored: 6, duplicates: 0 },
          lineErrors: [],
        });

        const again = await send(api, url, await readFile(corpus(K8S_LOG)));
        expect(again.status).toBe(200);
        expect(again.json).toMatchObject({
          status: 'duplicate',
          events: { read: 6, stored: 0, duplicates: 6 },
        });
      });

      it('keeps the good lines and names each bad one by number', async () => {
        const sent = await send(
          api,
          '/evidence/audit-events?tenantId=globex&name=mixed.jsonl',
          await logWithBadLines(),
          { token: api.tokens.globex },
        );
        expect(sent.status).toBe(201);
        expect(sent.json.status).toBe('partial');
        expect(sent.json.events).toEqual({ read: 5, stored: 5, duplicates: 0 });
        expect(
          sent.json.lineErrors.map((e: { line: number }) => e.line),
        ).toEqual([2, 3, 4, 9]);
        expect(sent.json.errors[0]).toMatch(/^mixed\.jsonl line 2: /);
      });

      it('answers 422 with line numbers when no line can be read', async () => {
        const sent = await send(
          api,
          '/evidence/audit-events?tenantId=acme&name=junk.jsonl',
          Buffer.from(
            `${UNTIMED_EVENT}\n${UNTIMED_EVENT.slice(0, 20)}\nnull\n`,
          ),
        );
        expect(sent.status).toBe(422);
        expect(sent.json.code).toBe('DP_EVIDENCE_UNREADABLE');
        expect(sent.json.errors.map((e: { path: string }) => e.path)).toEqual([
          'line 1',
          'line 2',
          'line 3',
        ]);
        expect(sent.json.errors[0].message).toContain(
          'requestReceivedTimestamp',
        );
      });

      it('refuses an SBOM sent as audit events, storing nothing', async () => {
        const sent = await send(
          api,
          '/evidence/audit-events?tenantId=acme',
          await readFile(corpus(SBOM)),
        );
        expect(sent.status).toBe(422);
        expect(sent.json.code).toBe('DP_EVIDENCE_KIND_MISMATCH');
      });

      it('refuses a body over the limit, declared or counted, with 413', async () => {
        const big = await readFile(corpus(BIG_SBOM));
        const declared = await send(
          api,
          '/evidence/audit-events?tenantId=acme',
          big,
        );
        expect(declared.status).toBe(413);
        expect(declared.json.code).toBe('DP_PAYLOAD_TOO_LARGE');

        const counted = await send(
          api,
          '/evidence/audit-events?tenantId=acme',
          createReadStream(corpus(BIG_SBOM), { highWaterMark: 16 * 1024 }),
        );
        expect(counted.status).toBe(413);
      });

      it('refuses a body that is not JSON Lines by its media type', async () => {
        const sent = await send(
          api,
          '/evidence/audit-events?tenantId=acme',
          Buffer.from('{}'),
          { type: 'text/csv' },
        );
        expect(sent.status).toBe(415);
        expect(sent.json.code).toBe('DP_EVIDENCE_MEDIA_TYPE');
      });

      it('refuses a viewer with 403 and another tenant with 404', async () => {
        const body = await readFile(corpus(K8S_LOG));
        const viewer = await send(
          api,
          '/evidence/audit-events?tenantId=acme',
          body,
          { token: api.tokens.acmeViewer },
        );
        expect(viewer.status).toBe(403);
        const other = await send(
          api,
          '/evidence/audit-events?tenantId=acme',
          body,
          { token: api.tokens.globex },
        );
        expect(other.status).toBe(404);
      });

      it("writes each upload to the tenant's audit trail", async () => {
        const reply = await api.call(
          'GET',
          `/disclosures/estimate?tenantId=acme&from=2018-10-26T00:00:00Z&to=2018-10-27T00:00:00Z`,
        );
        expect(reply.json.kinds['audit-events'].items).toBe(6);
        const trail = await api.server.runtime.db.query<{
          action: string;
          outcome: string;
          actor: string;
        }>(
          `SELECT action, outcome, actor FROM audit_events
         WHERE tenant_id = 'acme' AND source_format = 'disclosure-packager'
           AND action LIKE 'evidence.%' ORDER BY event_time`,
        );
        expect(trail.rows).toContainEqual({
          action: 'evidence.events-ingested',
          outcome: 'success',
          actor: 'alice@acme',
        });
        expect(trail.rows).toContainEqual({
          action: 'evidence.events-ingested',
          outcome: 'refused',
          actor: 'alice@acme',
        });
      });
    });

    describe('POST /evidence/documents', () => {
      let documentId: string;

      it('stores a document once, with its kind, tags and time', async () => {
        const url =
          '/evidence/documents?tenantId=acme&kind=sboms&tags=EU,gdpr' +
          `&name=${encodeURIComponent(path.basename(SBOM))}` +
          '&eventTime=2024-03-01T12:00:00.123456Z';
        const sent = await send(api, url, await readFile(corpus(SBOM)), {
          type: 'application/spdx+json',
        });
        expect(sent.status).toBe(201);
        documentId = sent.json.document.id;
        expect(sent.headers.get('location')).toBe(
          `/evidence/documents/${documentId}`,
        );
        expect(sent.json.document).toMatchObject({
          kind: 'sboms',
          format: 'spdx-json',
          fileName: path.basename(SBOM),
          eventTime: '2024-03-01T12:00:00.123Z',
          eventTimeSource: 'supplied',
          tags: ['EU', 'gdpr'],
        });
        const metrics = await api.call('GET', '/metrics', { token: null });
        expect(metrics.bytes.toString('utf8')).toContain(
          'dp_evidence_files_total{kind="sboms",format="spdx-json",status="stored"} 1',
        );
      });

      it('answers a duplicate with 200 and the stored document', async () => {
        const sent = await send(
          api,
          '/evidence/documents?tenantId=acme&name=again.json',
          await readFile(corpus(SBOM)),
          { type: 'application/json' },
        );
        expect(sent.status).toBe(200);
        expect(sent.json.status).toBe('duplicate');
        expect(sent.json.document.id).toBe(documentId);
        expect(sent.json.document.fileName).toBe(path.basename(SBOM));
        const rows = await api.server.runtime.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM evidence_documents WHERE tenant_id = 'acme' AND id = $1",
          [documentId],
        );
        expect(rows.rows[0]?.n).toBe(1);
      });

      it('lets the tenant read it, and no other tenant', async () => {
        const own = await api.call('GET', `/evidence/documents/${documentId}`);
        expect(own.status).toBe(200);
        expect(own.json.sha512).toMatch(/^[0-9a-f]{128}$/);
        const other = await api.call(
          'GET',
          `/evidence/documents/${documentId}`,
          {
            token: api.tokens.globex,
          },
        );
        expect(other.status).toBe(404);
        expect(other.json.code).toBe('DP_NOT_FOUND');
      });

      it('refuses a file of another kind than the one named', async () => {
        const sent = await send(
          api,
          '/evidence/documents?tenantId=acme&kind=policy-reports',
          await readFile(corpus(SBOM)),
          { type: 'application/json' },
        );
        expect(sent.status).toBe(422);
        expect(sent.json.code).toBe('DP_EVIDENCE_KIND_MISMATCH');
      });

      it('refuses audit events sent as a document', async () => {
        const sent = await send(
          api,
          '/evidence/documents?tenantId=acme',
          await readFile(corpus(K8S_LOG)),
          { type: 'application/jsonl' },
        );
        expect(sent.status).toBe(422);
        expect(sent.json.code).toBe('DP_EVIDENCE_KIND_MISMATCH');
      });

      it('refuses a document over the limit with 413', async () => {
        const sent = await send(
          api,
          '/evidence/documents?tenantId=acme&kind=sboms',
          await readFile(corpus(BIG_SBOM)),
          { type: 'application/json' },
        );
        expect(sent.status).toBe(413);
      });

      it('refuses a bad name, tag or time with 400', async () => {
        for (const query of ['name=..', 'tags=a%20b', 'eventTime=yesterday']) {
          const sent = await send(
            api,
            `/evidence/documents?tenantId=acme&${query}`,
            await readFile(corpus(SBOM)),
            { type: 'application/json' },
          );
          expect(sent.status, query).toBe(400);
        }
      });

      it('refuses a viewer with 403', async () => {
        const sent = await send(
          api,
          '/evidence/documents?tenantId=acme',
          await readFile(corpus(SBOM)),
          { token: api.tokens.acmeViewer, type: 'application/json' },
        );
        expect(sent.status).toBe(403);
      });
    });
  },
);
