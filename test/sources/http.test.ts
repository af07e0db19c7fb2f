import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactKind, TimeWindow } from '../../src/domain/index.js';
import {
  HttpConnector,
  connectorsFromFile,
  type ConnectorConfig,
} from '../../src/sources/index.js';
import { Metrics } from '../../src/telemetry/index.js';
import { CORPUS_PRESENT, corpusMissingIsFatal } from '../support/corpus.js';
import {
  SECRET,
  answer,
  corpusDocuments,
  corpusEvents,
  startEvidenceService,
  type EvidenceService,
} from '../support/evidenceservice.js';

const K8S_LOG =
  'audit-trails/k8s-audit_create_configmap_sensitive_values.jsonl';
const WINDOW: TimeWindow = {
  from: new Date('2018-10-26T00:00:00Z'),
  to: new Date('2018-10-27T00:00:00Z'),
};
const ENV = { DP_TEST_CONNECTOR_SECRET: SECRET };

const k8sEvents = () =>
  corpusEvents(K8S_LOG, (r) => String(r.requestReceivedTimestamp));

/** A connector of the test service's route, quick to time out and retry. */
function aConnector(
  service: EvidenceService,
  route: string,
  overrides: Partial<ConnectorConfig> = {},
): ConnectorConfig {
  return {
    name: route.slice(1),
    tenant: 'acme',
    kind: 'audit-events',
    url: `${service.url}${route}`,
    auth: {
      header: 'Authorization',
      scheme: 'Bearer',
      env: 'DP_TEST_CONNECTOR_SECRET',
    },
    timeoutMs: 300,
    retries: 2,
    retryBaseMs: 10,
    pageSize: 2,
    maxPageBytes: 1024 * 1024,
    ...overrides,
  };
}

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function counted(metrics: Metrics, kind: ArtifactKind, outcome: string) {
  const metric = metrics.connectorRequests as unknown as {
    hashMap: Record<string, { value: number; labels: Record<string, string> }>;
  };
  return Object.values(metric.hashMap)
    .filter((v) => v.labels.kind === kind && v.labels.outcome === outcome)
    .reduce((sum, v) => sum + v.value, 0);
}

describe.skipIf(!CORPUS_PRESENT && !corpusMissingIsFatal())(
  'HttpConnector',
  () => {
    let service: EvidenceService;
    const retries: string[] = [];

    beforeAll(async () => {
      service = await startEvidenceService({
        '/audit': { key: 'events', items: k8sEvents() },
        '/slow': {
          key: 'events',
          items: k8sEvents(),
          // Page 2 answers only after the timeout, the first time.
          fault: (page, attempt, res) => {
            if (page !== 2 || attempt > 1) return false;
            setTimeout(() => answer(res, 200, { events: [] }), 1500);
            return true;
          },
        },
        '/flaky': {
          key: 'events',
          items: k8sEvents(),
          fault: (page, attempt, res) => {
            if (page !== 1 || attempt > 1) return false;
            answer(res, 500, { error: 'busy' });
            return true;
          },
        },
        '/malformed': {
          key: 'events',
          items: k8sEvents(),
          fault: (page, _attempt, res) => {
            if (page !== 2) return false;
            answer(res, 200, { events: 'not a list', next_cursor: null });
            return true;
          },
        },
        '/down': {
          key: 'events',
          items: [],
          // Takes the connection and never answers.
          fault: () => true,
        },
        '/sboms': {
          key: 'documents',
          items: corpusDocuments([
            {
              file: 'sboms/spdx-2.3_minimal-with-security-refs.spdx.json',
              time: '2018-10-26T08:00:00Z',
            },
            {
              file: 'sboms/cyclonedx-1.4_saasbom-services.bom.json',
              time: '2018-10-26T09:00:00Z',
            },
          ]),
        },
      });
    });
    afterAll(async () => {
      await service?.close();
    });

    const connect = (config: ConnectorConfig, metrics = new Metrics()) =>
      new HttpConnector(config, {
        allowList: ['127.0.0.1'],
        env: ENV,
        metrics,
        onRetry: (reason) => retries.push(reason),
      });

    describe('when the service keeps the contract', () => {
      it('pages through a real audit log with the window and secret', async () => {
        const metrics = new Metrics();
        const events = await drain(
          connect(aConnector(service, '/audit'), metrics).events(
            'acme',
            WINDOW,
          ),
        );
        // A Kubernetes event's id is its audit id and stage.
        expect(events.map((e) => e.id)).toEqual(
          k8sEvents().map((i) => {
            const record = i.value as { auditID: string; stage: string };
            return `${record.auditID}/${record.stage}`;
          }),
        );
        expect(events[0]).toMatchObject({
          tenantId: 'acme',
          sourceFormat: 'kubernetes-audit',
          sourceName: 'connector:audit',
        });
        const asked = service.seen.filter((s) => s.path === '/audit');
        expect(asked.map((s) => s.query.cursor ?? null)).toEqual([
          null,
          '2',
          '4',
        ]);
        expect(asked[0]?.query).toMatchObject({
          kind: 'audit-events',
          from: '2018-10-26T00:00:00.000Z',
          to: '2018-10-27T00:00:00.000Z',
          limit: '2',
        });
        expect(asked.every((s) => s.authorization === `Bearer ${SECRET}`)).toBe(
          true,
        );
        expect(counted(metrics, 'audit-events', 'ok')).toBe(3);
      });

      it('reads documents, detected as the kind configured', async () => {
        const docs = await drain(
          connect(
            aConnector(service, '/sboms', { kind: 'sboms', pageSize: 1 }),
          ).documents('acme', WINDOW),
        );
        expect(docs.map((d) => [d.fileName, d.format])).toEqual([
          ['spdx-2.3_minimal-with-security-refs.spdx.json', 'spdx-json'],
          ['cyclonedx-1.4_saasbom-services.bom.json', 'cyclonedx-json'],
        ]);
        expect(docs[0]?.metadata).toMatchObject({ connector: 'sboms' });
      });

      it('refuses documents of another kind than configured', async () => {
        const reading = drain(
          connect(
            aConnector(service, '/sboms', { kind: 'policy-reports' }),
          ).documents('acme', WINDOW),
        );
        await expect(reading).rejects.toMatchObject({
          code: 'DP_CONNECTOR_INVALID',
        });
      });
    });

    describe('when the service misbehaves', () => {
      it('asks a page again after it passed the timeout', async () => {
        const metrics = new Metrics();
        const events = await drain(
          connect(aConnector(service, '/slow'), metrics).events('acme', WINDOW),
        );
        expect(events).toHaveLength(6);
        expect(counted(metrics, 'audit-events', 'timeout')).toBe(1);
      });

      it('asks again after a 500, and reads everything', async () => {
        const metrics = new Metrics();
        const events = await drain(
          connect(aConnector(service, '/flaky'), metrics).events(
            'acme',
            WINDOW,
          ),
        );
        expect(events).toHaveLength(6);
        expect(counted(metrics, 'audit-events', 'server-error')).toBe(1);
      });

      it('fails a malformed page at once with DP_CONNECTOR_INVALID', async () => {
        const metrics = new Metrics();
        const reading = drain(
          connect(aConnector(service, '/malformed'), metrics).events(
            'acme',
            WINDOW,
          ),
        );
        await expect(reading).rejects.toMatchObject({
          code: 'DP_CONNECTOR_INVALID',
          message: expect.stringContaining('page 2: events'),
        });
        expect(counted(metrics, 'audit-events', 'invalid')).toBe(1);
      });

      it('gives up on a service that never answers', async () => {
        const metrics = new Metrics();
        const started = Date.now();
        const reading = drain(
          connect(aConnector(service, '/down'), metrics).events('acme', WINDOW),
        );
        await expect(reading).rejects.toMatchObject({
          code: 'DP_SOURCE_UNAVAILABLE',
          message: expect.stringContaining('after 2 retries'),
        });
        // Three tries of 300 ms, and short backoffs between them.
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect(counted(metrics, 'audit-events', 'timeout')).toBe(3);
      });

      it('is refused without the right secret', async () => {
        const reading = drain(
          new HttpConnector(aConnector(service, '/audit'), {
            allowList: ['127.0.0.1'],
            env: { DP_TEST_CONNECTOR_SECRET: 'wrong' },
          }).events('acme', WINDOW),
        );
        await expect(reading).rejects.toMatchObject({
          code: 'DP_CONNECTOR_REFUSED',
        });
      });

      it('connects to the address the URL guard checked, not a new lookup', async () => {
        // evidence.test resolves nowhere but through the guard's resolver:
        // reading it proves the connection used the checked address.
        const port = new URL(service.url).port;
        const events = await drain(
          new HttpConnector(
            aConnector(service, '/audit', {
              url: `http://evidence.test:${port}/audit`,
            }),
            {
              allowList: ['127.0.0.1'],
              resolve: () => Promise.resolve(['127.0.0.1']),
              env: ENV,
            },
          ).events('acme', WINDOW),
        );
        expect(events).toHaveLength(6);
      });

      it('does not reach a loopback address that is not allowed', async () => {
        const reading = drain(
          new HttpConnector(aConnector(service, '/audit'), {
            allowList: [],
            env: ENV,
          }).events('acme', WINDOW),
        );
        await expect(reading).rejects.toMatchObject({ code: 'DP_URL_REFUSED' });
      });
    });
  },
);

describe('connectorsFromFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dp-connectors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads YAML with defaults', async () => {
    const file = path.join(dir, 'ok.yaml');
    await writeFile(
      file,
      [
        'connectors:',
        '  - name: acme-audit',
        '    tenant: acme',
        '    kind: audit-events',
        '    url: https://audit.example/v1/evidence',
        '    auth: { header: Authorization, scheme: Bearer, env: SECRET_X }',
      ].join('\n'),
    );
    expect(connectorsFromFile(file, { SECRET_X: 'x' })).toEqual([
      expect.objectContaining({
        name: 'acme-audit',
        timeoutMs: 10_000,
        retries: 3,
        pageSize: 500,
      }),
    ]);
  });

  it('lists every problem at once, never a secret', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        connectors: [
          { name: 'A', tenant: 'acme', kind: 'sboms', url: 'x' },
          { name: 'b', tenant: 'acme', kind: 'logs', url: 'https://b' },
        ],
      }),
    );
    expect(() => connectorsFromFile(file, {})).toThrow(
      /connectors\.0\.name.*connectors\.0\.url.*connectors\.1\.kind/s,
    );
  });

  it('stops when a named secret is missing', async () => {
    const file = path.join(dir, 'nosecret.json');
    await writeFile(
      file,
      JSON.stringify({
        connectors: [
          {
            name: 'a',
            tenant: 'acme',
            kind: 'sboms',
            url: 'https://a.example',
            auth: { header: 'X-Api-Key', env: 'NOT_SET_ANYWHERE' },
          },
        ],
      }),
    );
    expect(() => connectorsFromFile(file, {})).toThrow(
      /a: the variable NOT_SET_ANYWHERE is not set/,
    );
  });
});
