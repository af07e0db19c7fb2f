import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { readZipEntries } from '../support/zip.js';
import { BACKENDS } from '../support/db.js';

describe.each(BACKENDS)('tenant settings on %s', (backend) => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({ backend });
  });
  afterAll(async () => {
    await api?.close();
  });

  const patch = (body: unknown, token = api.tokens.acme) =>
    api.call('PATCH', '/settings', { body, token });

  it('starts at the defaults', async () => {
    const reply = await api.call('GET', '/settings');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      tenantId: 'acme',
      retentionDays: null,
      jurisdictionTags: [],
      updatedAt: null,
      updatedBy: null,
    });
  });

  it('changes only the fields given, and says who changed them', async () => {
    expect((await patch({ retentionDays: 7 })).status).toBe(200);
    const reply = await patch({ jurisdictionTags: ['EU', 'gdpr:art-30'] });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      tenantId: 'acme',
      retentionDays: 7,
      jurisdictionTags: ['EU', 'gdpr:art-30'],
      updatedBy: 'alice@acme',
    });
    expect(Date.parse(reply.json.updatedAt as string)).not.toBeNaN();
    const reset = await patch({ retentionDays: null });
    expect(reset.json).toMatchObject({
      retentionDays: null,
      jurisdictionTags: ['EU', 'gdpr:art-30'],
    });
  });

  it("tags every file of the tenant's next bundle with its jurisdictions", async () => {
    await patch({ jurisdictionTags: ['EU', 'gdpr:art-30'] });
    const now = Date.now();
    const accepted = await api.call('POST', '/disclosures/export', {
      body: {
        tenantId: 'acme',
        dateRange: {
          from: new Date(now - 30 * 86_400_000).toISOString(),
          to: new Date(now + 3_600_000).toISOString(),
        },
        artifacts: ['audit-events', 'sboms'],
      },
    });
    const done = await waitForJob(api, accepted.json.jobId as string);
    expect(done.json.status).toBe('completed');
    const zip = await api.call('GET', `/jobs/${done.json.jobId}/bundle`);
    const file = path.join(api.dataDir, 'jurisdictions.zip');
    await writeFile(file, zip.bytes);
    const manifest = JSON.parse(
      (await readZipEntries(file)).get('manifest.json')?.toString('utf8') ??
        '{}',
    ) as { files: { path: string; jurisdictions?: string[] }[] };
    expect(manifest.files.length).toBeGreaterThan(1);
    for (const entry of manifest.files) {
      expect(entry.jurisdictions, entry.path).toEqual(
        expect.arrayContaining(['EU', 'gdpr:art-30']),
      );
    }
  });

  it("keeps each tenant's settings to itself", async () => {
    const theirs = await api.call('GET', '/settings', {
      token: api.tokens.globex,
    });
    expect(theirs.json).toMatchObject({
      tenantId: 'globex',
      jurisdictionTags: [],
    });
  });

  it.each([
    [{}, /give at least one/],
    [{ retentionDays: 0 }, /retentionDays: .*>=1/],
    [{ retentionDays: 7.5 }, /retentionDays/],
    [{ jurisdictionTags: ['EU', 'EU'] }, /must not repeat/],
    [{ jurisdictionTags: ['no spaces'] }, /jurisdictionTags.0: a tag is/],
    [{ retention: 7 }, /unrecognized key.*retention/i],
    [[1, 2], /body: /],
  ])('refuses %j with 400 and the reason', async (body, reason) => {
    const reply = await patch(body);
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe('DP_REQUEST_INVALID');
    expect(reply.json.detail).toMatch(reason);
  });

  it('refuses a body that is not sent as JSON with 415', async () => {
    const reply = await api.call('PATCH', '/settings', {
      rawBody: 'retentionDays=7',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(415);
    expect(reply.json.code).toBe('DP_UNSUPPORTED_MEDIA_TYPE');
  });

  it('needs the admin role to change, and audits changes and refusals', async () => {
    const denied = await patch({ retentionDays: 1 }, api.tokens.acmeViewer);
    expect(denied.status).toBe(403);
    const viewer = await api.call('GET', '/settings', {
      token: api.tokens.acmeViewer,
    });
    expect(viewer.status).toBe(200);
    expect(viewer.json.retentionDays).toBe(null);

    const { rows } = await api.server.runtime.db.query<{ original: string }>(
      `SELECT original FROM audit_events
        WHERE source_format = 'disclosure-packager' AND tenant_id = 'acme'`,
    );
    const events = rows.map(
      (r) => JSON.parse(r.original) as Record<string, unknown>,
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'settings.changed',
        actor: 'alice@acme',
        resource: 'settings/jurisdictionTags',
        outcome: 'success',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'settings.changed',
        actor: 'victor@acme',
        outcome: 'refused',
      }),
    );
  });
});
