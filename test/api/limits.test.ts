import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';

describe('rate limits', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({
      config: { security: { rateLimitPerToken: 3, rateLimitPerTenant: 5 } },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuse a token past its limit with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await api.call('GET', '/jobs')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await api.call('GET', '/jobs');
    expect(refused.json.code).toBe('DP_RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("count every token of a tenant against the tenant's limit", async () => {
    // acme's own token was let through 3 times; its viewer token has its
    // own 3, but the tenant as a whole only 5.
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestServer['call']>> | undefined;
    for (let i = 0; i < 3; i += 1) {
      last = await api.call('GET', '/jobs', { token: api.tokens.acmeViewer });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.json.detail).toBe('more than 5 requests a minute; slow down');
  });

  it('leave other tenants and public routes alone', async () => {
    const other = await api.call('GET', '/jobs', { token: api.tokens.globex });
    expect(other.status).toBe(200);
    const health = await api.call('GET', '/healthz', { token: null });
    expect(health.status).toBe(200);
  });
});
