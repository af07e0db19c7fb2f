import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';

const WINDOW = {
  from: '2026-01-01T00:00:00Z',
  to: '2026-01-31T00:00:00Z',
};
const NOW = new Date('2026-01-20T12:00:00Z');
const INDEX_HTML = '<!doctype html><div id="root"></div>\n';

function estimatePath(params: Record<string, string>): string {
  return `/disclosures/estimate?${new URLSearchParams(params).toString()}`;
}

describe('the routes the web UI needs', () => {
  let api: TestServer;
  let webRoot: string;
  beforeAll(async () => {
    // A stand-in for vite's output, so this file does not need a build.
    webRoot = await mkdtemp(path.join(os.tmpdir(), 'dp-web-'));
    await mkdir(path.join(webRoot, 'assets'));
    await writeFile(path.join(webRoot, 'index.html'), INDEX_HTML);
    await writeFile(path.join(webRoot, 'assets', 'app.js'), 'void 0;\n');
    api = await startTestServer({
      now: NOW,
      webRoot,
      flags:
        'disclosurePackager.api@globex=off,disclosurePackager.ui@globex=off',
    });
  });
  afterAll(async () => {
    await api.close();
    await rm(webRoot, { recursive: true, force: true });
  });

  describe('GET /me', () => {
    it("names the tenant, the subject and the token's roles", async () => {
      const reply = await api.call('GET', '/me');
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({
        tenantId: 'acme',
        subject: 'alice@acme',
        roles: ['exporter', 'admin'],
        role: 'admin',
        roleNote:
          "may start exports and download bundles, and manage the tenant's " +
          'webhooks and settings',
        tenants: [{ id: 'acme', name: 'Acme Corp (sample)' }],
        features: { ui: true, api: true },
        limits: { maxWindowDays: 400 },
      });
    });

    it('tells a viewer what the role allows', async () => {
      const reply = await api.call('GET', '/me', {
        token: api.tokens.acmeViewer,
      });
      expect(reply.json).toMatchObject({
        roles: ['viewer'],
        role: 'viewer',
        roleNote:
          'may see jobs and evidence counts, not start exports or download',
      });
    });

    it('tells an admin who may not export just that', async () => {
      const reply = await api.call('GET', '/me', {
        token: api.tokens.acmeAdmin,
      });
      expect(reply.json).toMatchObject({
        roles: ['viewer', 'admin'],
        role: 'admin',
        roleNote:
          "may see jobs and evidence counts, and manage the tenant's " +
          'webhooks and settings, not start exports or download',
      });
    });

    it('refuses a token whose tenant does not exist', async () => {
      const reply = await api.call('GET', '/me', {
        token: api.tokens.stranger,
      });
      expect(reply.status).toBe(401);
      expect(reply.json.detail).toMatch(/unknown tenant/);
    });

    it('reports the flags as they apply to the caller', async () => {
      const reply = await api.call('GET', '/me', { token: api.tokens.globex });
      expect(reply.json.features).toEqual({ ui: false, api: false });
    });

    it('refuses a call without a token', async () => {
      const reply = await api.call('GET', '/me', { token: null });
      expect(reply.status).toBe(401);
    });
  });

  describe('GET /me on a service with a shorter window limit', () => {
    let short: TestServer;
    beforeAll(async () => {
      short = await startTestServer({
        now: NOW,
        webRoot,
        jobs: { maxWindowDays: 31 },
      });
    });
    afterAll(async () => {
      await short.close();
    });

    it('gives the longest window the service accepts', async () => {
      const reply = await short.call('GET', '/me');
      expect(reply.json.limits).toEqual({ maxWindowDays: 31 });
    });
  });

  describe('GET /disclosures/estimate', () => {
    it('counts the items and bytes of every kind in the window', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({ tenantId: 'acme', ...WINDOW }),
      );
      expect(reply.status).toBe(200);
      const kinds = reply.json.kinds as Record<string, { items: number }>;
      expect(Object.keys(kinds)).toEqual([
        'audit-events',
        'sboms',
        'attestations',
        'signatures',
        'policy-reports',
      ]);
      expect(kinds['audit-events']?.items).toBeGreaterThan(0);
      expect(reply.json.dateRange).toEqual({
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-01-31T00:00:00.000Z',
      });
    });

    it('counts nothing in a window before the evidence', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({
          tenantId: 'acme',
          from: '2020-01-01T00:00:00Z',
          to: '2020-02-01T00:00:00Z',
        }),
      );
      const kinds = Object.values(reply.json.kinds as object);
      expect(kinds).toEqual(Array(5).fill({ items: 0, bytes: 0 }));
    });

    it('answers another tenant as an unknown one', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({ tenantId: 'globex', ...WINDOW }),
      );
      expect(reply.status).toBe(404);
      expect(reply.json.code).toBe('DP_TENANT_UNKNOWN');
    });

    it('refuses an inverted window', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({ tenantId: 'acme', from: WINDOW.to, to: WINDOW.from }),
      );
      expect(reply.status).toBe(400);
      expect(reply.json.code).toBe('DP_WINDOW_INVERTED');
    });

    it('refuses an impossible date', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({
          tenantId: 'acme',
          from: '2026-02-30T00:00:00Z',
          to: WINDOW.to,
        }),
      );
      expect(reply.status).toBe(400);
      expect(reply.json.code).toBe('DP_TIME_INVALID');
    });

    it('names missing and unknown parameters', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({ tenantId: 'acme', from: WINDOW.from, size: '1' }),
      );
      expect(reply.status).toBe(400);
      expect(reply.json.detail).toBe(
        'give tenantId, from and to once each, and nothing else; ' +
          'missing or repeated: to; unknown: size',
      );
    });
  });

  describe('the disclosurePackager.api flag', () => {
    it('hides the export route from a tenant it is off for', async () => {
      const reply = await api.call('POST', '/disclosures/export', {
        token: api.tokens.globex,
        body: {
          tenantId: 'globex',
          dateRange: WINDOW,
          artifacts: ['sboms'],
        },
      });
      expect(reply.status).toBe(404);
      expect(reply.headers.get('content-type')).toContain(
        'application/problem+json',
      );
      expect(reply.json.code).toBe('DP_FEATURE_DISABLED');
    });

    it('hides the estimate from a tenant it is off for', async () => {
      const reply = await api.call(
        'GET',
        estimatePath({ tenantId: 'globex', ...WINDOW }),
        { token: api.tokens.globex },
      );
      expect(reply.status).toBe(404);
      expect(reply.json.code).toBe('DP_FEATURE_DISABLED');
    });

    it('leaves the export route to the other tenants', async () => {
      const reply = await api.call('POST', '/disclosures/export', {
        body: { tenantId: 'acme', dateRange: WINDOW, artifacts: ['sboms'] },
      });
      expect(reply.status).toBe(202);
    });

    it("leaves the tenant's job list readable", async () => {
      const reply = await api.call('GET', '/jobs', {
        token: api.tokens.globex,
      });
      expect(reply.status).toBe(200);
    });
  });

  describe('the UI under /ui/', () => {
    it('redirects / there', async () => {
      const res = await fetch(new URL('/', api.server.url), {
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/ui/');
    });

    it('serves index.html for its own routes, with a strict CSP', async () => {
      for (const path of ['/ui/', '/ui/history']) {
        const reply = await api.call('GET', path, { token: null });
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toContain('text/html');
        expect(reply.bytes.toString()).toContain('<div id="root"></div>');
        expect(reply.headers.get('content-security-policy')).toContain(
          "script-src 'self'",
        );
      }
    });

    it('serves its assets as long-lived files', async () => {
      const res = await fetch(new URL('/ui/assets/app.js', api.server.url));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(
        'public, max-age=31536000, immutable',
      );
      expect(await res.text()).toBe('void 0;\n');
    });

    it('answers a missing asset with a problem, not the app', async () => {
      const res = await fetch(new URL('/ui/assets/gone.js', api.server.url));
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain(
        'application/problem+json',
      );
    });

    it('keeps the API routes working beside it', async () => {
      const reply = await api.call('GET', '/jobs/not-a-job');
      expect(reply.status).toBe(404);
      expect(reply.json.code).toBe('DP_JOB_NOT_FOUND');
    });
  });
});
