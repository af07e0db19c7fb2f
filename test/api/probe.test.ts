import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../../src/api/access.js';
import { openApiDocument } from '../../src/api/index.js';
import { probeIsolation } from '../../src/probe/index.js';
import { runCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/api.js';

describe('the isolation probe', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api?.close();
  });

  const secured = Object.values(ROUTE_ACCESS).filter(
    (a) => a.requires !== 'public',
  );
  const beyondViewer = secured.filter(
    (a) => a.requires === 'exporter' || a.requires === 'admin',
  );

  describe('over every route of the OpenAPI document', () => {
    it('finds no leak to a stranger, another tenant or a viewer', async () => {
      const checks = await probeIsolation({
        url: api.server.url,
        owner: { tenantId: 'acme', token: api.tokens.acme },
        other: { tenantId: 'globex', token: api.tokens.globex },
        viewerToken: api.tokens.acmeViewer,
      });
      expect(checks.filter((c) => c.leak !== null)).toEqual([]);
      // Two callers on every secured operation, a viewer on each that
      // needs an exporter or an admin: nothing was skipped.
      expect(checks).toHaveLength(secured.length * 2 + beyondViewer.length);
      expect(new Set(checks.map((c) => c.operation)).size).toBe(secured.length);
    });

    it('answers every refusal with the expected status', async () => {
      const checks = await probeIsolation({
        url: api.server.url,
        owner: { tenantId: 'globex', token: api.tokens.globex },
        other: { tenantId: 'acme', token: api.tokens.acme },
      });
      const statuses = new Map(
        checks.map((c) => [`${c.caller} ${c.operation}`, c.status]),
      );
      expect(statuses.get('anonymous GET /jobs/{id}')).toBe(401);
      expect(statuses.get('other-tenant GET /jobs/{id}/bundle')).toBe(404);
      expect(statuses.get('other-tenant POST /disclosures/export')).toBe(404);
      expect(statuses.get('other-tenant GET /jobs')).toBe(200);
    });
  });

  describe('as a command', () => {
    it('reports zero leaks against a running instance', async () => {
      const result = await runCli(
        'probe',
        'isolation',
        '--url',
        api.server.url,
        '--tenant-a',
        'acme',
        '--token-a',
        api.tokens.acme,
        '--tenant-b',
        'globex',
        '--token-b',
        api.tokens.globex,
        '--viewer-token',
        api.tokens.acmeViewer,
      );
      expect(result.out).toMatch(/\n\d+ checks, 0 leaks\n$/);
      expect(result.code).toBe(0);
    });
  });

  describe('against an API that leaks', () => {
    let leaky: Server;
    let url: string;

    beforeAll(async () => {
      // Serves the real document, but answers every call, with or without
      // credentials, with the owner's job.
      leaky = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/openapi.json') {
          res.end(JSON.stringify(openApiDocument));
        } else if (req.url === '/disclosures/export' && req.method === 'POST') {
          res.statusCode = 202;
          res.end(JSON.stringify({ jobId: 'job-of-acme' }));
        } else {
          res.end(JSON.stringify({ jobId: 'job-of-acme', tenantId: 'acme' }));
        }
      });
      await new Promise<void>((resolve) =>
        leaky.listen(0, '127.0.0.1', resolve),
      );
      url = `http://127.0.0.1:${(leaky.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => leaky.close(resolve));
    });

    it('names each leak and exits non-zero', async () => {
      const result = await runCli(
        'probe',
        'isolation',
        '--url',
        url,
        '--tenant-a',
        'acme',
        '--token-a',
        'a-token',
        '--tenant-b',
        'globex',
        '--token-b',
        'b-token',
      );
      expect(result.out).toContain(
        'GET /jobs/{id}\tanonymous\t200\tLEAK: answered 200, expected 401',
      );
      expect(result.out).toContain(
        "GET /jobs\tother-tenant\t200\tLEAK: the owner's job is listed",
      );
      expect(result.out).toMatch(
        new RegExp(
          `\\n${secured.length * 2} checks, ${secured.length * 2} leaks`,
        ),
      );
      expect(result.code).toBe(1);
    });
  });
});
