import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/telemetry/index.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { DATABASE_URL, createAppLogin } from '../support/db.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const WINDOW = { from: '2026-10-21T12:00:00Z', to: '2026-11-20T12:01:00Z' };

// Tenant-scoped requests on a login of their own (DATABASE_APP_URL): the
// whole export flow must work under it, and nothing of the other tenant
// may show through it.
describe.runIf(DATABASE_URL)('the API on its own database login', () => {
  let api: TestServer;
  let login: Awaited<ReturnType<typeof createAppLogin>>;

  beforeAll(async () => {
    login = await createAppLogin();
    api = await startTestServer({
      now: NOW,
      config: { databaseAppUrl: login.url },
    });
  });
  afterAll(async () => {
    await api?.close();
    await login?.drop();
  });

  it('runs an export end to end and keeps each tenant to its own jobs', async () => {
    const accepted = await api.call('POST', '/disclosures/export', {
      body: {
        tenantId: 'acme',
        dateRange: WINDOW,
        artifacts: ['audit-events', 'sboms'],
      },
    });
    expect(accepted.status).toBe(202);
    const jobId = accepted.json.jobId as string;
    const done = await waitForJob(api, jobId);
    expect(done.json.status).toBe('completed');

    const bundle = await api.call('GET', `/jobs/${jobId}/bundle`);
    expect(bundle.status).toBe(200);

    const mine = await api.call('GET', '/jobs');
    expect(
      (mine.json.jobs as { jobId: string }[]).map((j) => j.jobId),
    ).toContain(jobId);
    const theirs = await api.call('GET', '/jobs', {
      token: api.tokens.globex,
    });
    expect(theirs.json.jobs).toEqual([]);
    const peek = await api.call('GET', `/jobs/${jobId}`, {
      token: api.tokens.globex,
    });
    expect(peek.status).toBe(404);

    const estimate = await api.call(
      'GET',
      `/disclosures/estimate?tenantId=acme&from=${WINDOW.from}&to=${WINDOW.to}`,
    );
    expect(estimate.status).toBe(200);
    expect(estimate.json.kinds['audit-events'].items).toBeGreaterThan(0);
  });

  it('refuses to start when the login could bypass row-level security', async () => {
    const config = loadConfig(
      {
        dataDir: api.dataDir,
        port: 0,
        databaseUrl: DATABASE_URL,
        databaseSchema: api.schema,
        databaseAppUrl: DATABASE_URL,
        seedDemo: false,
      },
      {},
    );
    await expect(
      startServer(config, silentLogger(), { worker: false }),
    ).rejects.toMatchObject({
      code: 'DP_CONFIG_INVALID',
      message: expect.stringMatching(/is a superuser/),
    });
  });
});
