import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../../src/api/access.js';
import { openApiDocument } from '../../src/api/index.js';
import { LinkSigner } from '../../src/auth/index.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { anExportRequest } from '../support/builders.js';
import { readZipEntries } from '../support/zip.js';
import { writeFile } from 'node:fs/promises';

const NOW = new Date();
const WINDOW = {
  from: new Date(NOW.getTime() - 30 * 86_400_000).toISOString(),
  to: new Date(NOW.getTime() + 3_600_000).toISOString(),
};

describe('access to the API', () => {
  let api: TestServer;
  let jobId: string;
  let job: Record<string, any>;

  beforeAll(async () => {
    api = await startTestServer({ now: NOW });
    const accepted = await api.call('POST', '/disclosures/export', {
      body: anExportRequest('acme', WINDOW),
    });
    jobId = accepted.json.jobId as string;
    job = (await waitForJob(api, jobId)).json;
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('the route table', () => {
    it('names every operation of the OpenAPI document, and no other', () => {
      const operations = Object.entries(openApiDocument.paths).flatMap(
        ([template, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${template}`),
      );
      expect(Object.keys(ROUTE_ACCESS).sort()).toEqual(operations.sort());
    });

    it('marks as public exactly the operations without security', () => {
      for (const [template, methods] of Object.entries(openApiDocument.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const open = (op as { security?: unknown[] }).security?.length === 0;
          const access = ROUTE_ACCESS[`${method.toUpperCase()} ${template}`];
          expect(access?.requires === 'public', `${method} ${template}`).toBe(
            open,
          );
        }
      }
    });
  });

  describe('a viewer', () => {
    const viewer = () => ({ token: api.tokens.acmeViewer });

    it("reads the tenant's jobs", async () => {
      const list = await api.call('GET', '/jobs', viewer());
      expect(list.status).toBe(200);
      expect(list.json.jobs.map((j: { jobId: string }) => j.jobId)).toContain(
        jobId,
      );
      expect((await api.call('GET', `/jobs/${jobId}`, viewer())).status).toBe(
        200,
      );
    });

    it.each([
      ['POST', '/disclosures/export'],
      ['POST', '/jobs/{id}/cancel'],
      ['POST', '/jobs/{id}/retry'],
      ['GET', '/jobs/{id}/bundle'],
      ['GET', '/jobs/{id}/bundle.sig'],
    ])('is refused %s %s with 403 and no data', async (method, template) => {
      const reply = await api.call(method, template.replace('{id}', jobId), {
        ...viewer(),
        body: method === 'POST' ? anExportRequest('acme', WINDOW) : undefined,
      });
      expect(reply.status).toBe(403);
      expect(reply.json.code).toBe('DP_FORBIDDEN');
      expect(reply.json).not.toHaveProperty('bundle');
      expect(reply.bytes.length).toBeLessThan(600);
    });
  });

  describe('a signed download link', () => {
    const linkOf = () => job.bundle.downloadUrl as string;

    it('downloads the bundle without a token', async () => {
      const reply = await api.call('GET', linkOf(), { token: null });
      expect(reply.status).toBe(200);
      const { createHash } = await import('node:crypto');
      expect(createHash('sha512').update(reply.bytes).digest('hex')).toBe(
        job.bundle.sha512,
      );
    });

    it.each([
      [
        'a changed signature',
        (u: URL) => u.searchParams.set('sig', 'A'.repeat(43)),
      ],
      ['another tenant', (u: URL) => u.searchParams.set('tenant', 'globex')],
      [
        'a later expiry',
        (u: URL) => u.searchParams.set('expires', '9999999999'),
      ],
      ['no tenant', (u: URL) => u.searchParams.delete('tenant')],
      [
        'the signature file instead',
        (u: URL) => (u.pathname = `${u.pathname}.sig`),
      ],
    ])('is refused with 403 when tampered: %s', async (_name, tamper) => {
      const url = new URL(linkOf(), 'http://x');
      tamper(url);
      const reply = await api.call('GET', url.pathname + url.search, {
        token: null,
      });
      expect(reply.status).toBe(403);
      expect(reply.json.code).toBe('DP_LINK_INVALID');
    });

    it('is refused with 403 once expired', async () => {
      const secret = await readFile(
        path.join(api.dataDir, 'link-secret'),
        'utf8',
      );
      const signer = new LinkSigner(
        Buffer.from(secret.trim(), 'base64url'),
        900,
      );
      const stale = signer.sign(
        { jobId, tenantId: 'acme', file: 'bundle' },
        new Date(Date.now() - 901_000),
      );
      const reply = await api.call('GET', stale, { token: null });
      expect(reply.status).toBe(403);
      expect(reply.json.detail).toMatch(/expired/);
      // The same signer's fresh link passes: only the expiry differs.
      const fresh = signer.sign({ jobId, tenantId: 'acme', file: 'bundle' });
      expect((await api.call('GET', fresh, { token: null })).status).toBe(200);
    });

    it('is signed afresh on every read of the job', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const again = await api.call('GET', `/jobs/${jobId}`);
      const renewed = again.json.bundle.downloadUrl as string;
      expect(renewed).not.toBe(linkOf());
      const expires = Number(
        new URL(renewed, 'http://x').searchParams.get('expires'),
      );
      expect(expires * 1000 - Date.now()).toBeGreaterThan(890_000);
      expect(expires * 1000 - Date.now()).toBeLessThanOrEqual(900_000);
    });
  });

  describe('the security headers', () => {
    it('are sent on every answer, refusals included', async () => {
      for (const token of [api.tokens.acme, null]) {
        const reply = await api.call('GET', '/jobs', { token });
        expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
        expect(reply.headers.get('strict-transport-security')).toMatch(
          /max-age=\d+/,
        );
        expect(reply.headers.get('content-security-policy')).toContain(
          "default-src 'self'",
        );
        expect(reply.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      }
    });
  });

  describe('download links by role', () => {
    it('gives an exporter signed links, and a viewer none', async () => {
      const exporter = await api.call('GET', `/jobs/${jobId}`);
      expect(exporter.json.bundle.downloadUrl).toMatch(/sig=/);
      expect(exporter.json.bundle.signatureUrl).toMatch(/sig=/);
      for (const path of [`/jobs/${jobId}`, '/jobs']) {
        const viewer = await api.call('GET', path, {
          token: api.tokens.acmeViewer,
        });
        expect(viewer.status).toBe(200);
        expect(viewer.bytes.toString('utf8')).not.toMatch(/sig=/);
      }
      const viewer = await api.call('GET', `/jobs/${jobId}`, {
        token: api.tokens.acmeViewer,
      });
      expect(viewer.json.bundle).toMatchObject({
        sha512: job.bundle.sha512,
        downloadUrl: null,
        signatureUrl: null,
      });
    });
  });

  describe("the packager's own audit trail", () => {
    it("puts export requests and downloads into the tenant's next bundle", async () => {
      const download = await api.call('GET', `/jobs/${jobId}/bundle`);
      expect(download.status).toBe(200);
      const signature = await api.call('GET', `/jobs/${jobId}/bundle.sig`);
      expect(signature.status).toBe(200);
      const next = await api.call('POST', '/disclosures/export', {
        body: {
          tenantId: 'acme',
          dateRange: WINDOW,
          artifacts: ['audit-events'],
        },
      });
      const done = (await waitForJob(api, next.json.jobId as string)).json;
      const zip = await api.call('GET', `/jobs/${done.jobId}/bundle`);
      const file = path.join(api.dataDir, 'trail.zip');
      await writeFile(file, zip.bytes);
      const lines = [...(await readZipEntries(file))]
        .filter(([name]) => name.startsWith('audit-events/'))
        .flatMap(([, bytes]) => bytes.toString('utf8').split('\n'))
        .filter((line) => line.includes('disclosure-packager'))
        .map((line) => JSON.parse(line) as Record<string, any>);
      const own = lines.map((l) => JSON.stringify(l));
      expect(
        own.some(
          (l) => l.includes('export.requested') && l.includes(`job/${jobId}`),
        ),
      ).toBe(true);
      expect(
        own.some(
          (l) => l.includes('bundle.downloaded') && l.includes('alice@acme'),
        ),
      ).toBe(true);
      expect(
        own.some(
          (l) =>
            l.includes('bundle.signature.downloaded') &&
            l.includes(`job/${jobId}`),
        ),
      ).toBe(true);
    });

    it("keeps one tenant's actions out of another's trail", async () => {
      await api.call('GET', `/jobs/${jobId}`, { token: api.tokens.globex });
      const rows = await api.server.runtime.db.query<{ tenant_id: string }>(
        `SELECT DISTINCT tenant_id FROM audit_events
         WHERE source_format = 'disclosure-packager'`,
      );
      expect(rows.rows.map((r) => r.tenant_id)).toEqual(['acme']);
    });

    /** The packager's own events of acme, as their original records. */
    async function ownEvents(): Promise<Record<string, string>[]> {
      const { rows } = await api.server.runtime.db.query<{ original: string }>(
        `SELECT original FROM audit_events
          WHERE source_format = 'disclosure-packager' AND tenant_id = 'acme'`,
      );
      return rows.map((r) => JSON.parse(r.original) as Record<string, string>);
    }

    it('records refused attempts with their actor: a missing role, a job in the wrong state', async () => {
      const denied = await api.call('POST', '/disclosures/export', {
        token: api.tokens.acmeViewer,
        body: anExportRequest('acme', WINDOW),
      });
      expect(denied.status).toBe(403);
      const late = await api.call('POST', `/jobs/${jobId}/cancel`);
      expect(late.status).toBe(409);

      const events = await ownEvents();
      expect(events).toContainEqual(
        expect.objectContaining({
          actor: 'victor@acme',
          action: 'export.requested',
          resource: '/disclosures/export',
          outcome: 'refused',
        }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          actor: 'alice@acme',
          action: 'job.cancelled',
          resource: `job/${jobId}`,
          outcome: 'refused',
        }),
      );
    });

    it('records nothing for reads, nor for a caller without a valid credential', async () => {
      const before = (await ownEvents()).length;
      expect((await api.call('GET', `/jobs/${jobId}`)).status).toBe(200);
      const anonymous = await api.call('POST', `/jobs/${jobId}/cancel`, {
        token: null,
      });
      expect(anonymous.status).toBe(401);
      expect((await ownEvents()).length).toBe(before);
    });
  });
});
