import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';

const GOOD = {
  tenantId: 'acme',
  dateRange: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
  artifacts: ['sboms'],
};

describe('the API, given bad requests', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api?.close();
  });

  const post = (body: unknown, init: { token?: string | null } = {}) =>
    api.call('POST', '/disclosures/export', { body, ...init });

  const cases: [string, unknown, number, string][] = [
    [
      'a body without tenantId',
      { ...GOOD, tenantId: undefined },
      400,
      'DP_REQUEST_INVALID',
    ],
    [
      'a body without dateRange',
      { ...GOOD, dateRange: undefined },
      400,
      'DP_REQUEST_INVALID',
    ],
    [
      'an empty artifact list',
      { ...GOOD, artifacts: [] },
      400,
      'DP_REQUEST_INVALID',
    ],
    [
      'an unknown artifact kind',
      { ...GOOD, artifacts: ['sboms', 'secrets'] },
      400,
      'DP_ARTIFACT_UNKNOWN',
    ],
    [
      'a malformed date',
      {
        ...GOOD,
        dateRange: { from: '2026-13-01', to: '2026-02-01T00:00:00Z' },
      },
      400,
      'DP_TIME_INVALID',
    ],
    [
      'a date without a zone',
      {
        ...GOOD,
        dateRange: { from: '2026-01-01T00:00:00', to: '2026-02-01T00:00:00Z' },
      },
      400,
      'DP_TIME_INVALID',
    ],
    [
      'a window whose end equals its start',
      {
        ...GOOD,
        dateRange: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      },
      400,
      'DP_WINDOW_INVERTED',
    ],
    [
      'a window whose end is later as text but earlier in UTC',
      {
        ...GOOD,
        dateRange: {
          from: '2026-01-01T00:00:00Z',
          to: '2026-01-01T05:00:00+05:30',
        },
      },
      400,
      'DP_WINDOW_INVERTED',
    ],
    ['a JSON array', [GOOD], 400, 'DP_REQUEST_INVALID'],
    [
      "another tenant's id",
      { ...GOOD, tenantId: 'globex' },
      404,
      'DP_TENANT_UNKNOWN',
    ],
    [
      'an unknown tenant id',
      { ...GOOD, tenantId: 'no-such-tenant' },
      404,
      'DP_TENANT_UNKNOWN',
    ],
  ];

  for (const [what, body, status, code] of cases) {
    it(`answers ${what} with ${status} ${code}`, async () => {
      const reply = await post(body);
      expect(reply.status).toBe(status);
      expect(reply.headers.get('content-type')).toContain(
        'application/problem+json',
      );
      expect(reply.json.code).toBe(code);
      expect(reply.json.detail).not.toMatch(/\bat .*\.(ts|js):\d+/);
    });
  }

  it('refuses a token bound to a tenant that does not exist with 401', async () => {
    // Issue 5: a token naming an unknown tenant speaks for nobody.
    const reply = await post(
      { ...GOOD, tenantId: 'nowhere' },
      { token: api.tokens.stranger },
    );
    expect(reply.status).toBe(401);
    expect(reply.json.code).toBe('DP_UNAUTHENTICATED');
    expect(reply.json.detail).toMatch(/unknown tenant/);
  });

  it('accepts a window whose end is earlier as text but later in UTC', async () => {
    const reply = await post({
      ...GOOD,
      dateRange: {
        from: '2026-01-01T01:00:00+05:30',
        to: '2026-01-01T00:00:00Z',
      },
    });
    expect(reply.status).toBe(202);
    expect(reply.json.job.dateRange.from).toBe('2025-12-31T19:30:00.000Z');
  });

  it('answers a missing token with 401 and a Bearer challenge', async () => {
    const reply = await post(GOOD, { token: null });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    expect(reply.json.code).toBe('DP_UNAUTHENTICATED');
  });

  it('answers a wrong token with 401', async () => {
    const reply = await post(GOOD, { token: 'not-a-real-token-at-all' });
    expect(reply.status).toBe(401);
  });

  it('answers malformed JSON with 400', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      rawBody: '{"tenantId": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe('DP_REQUEST_INVALID');
    expect(reply.json.detail).toMatch(/^the request body is not valid JSON \(/);
  });

  it('answers a body that is not JSON with 415', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      rawBody: 'tenantId=acme',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(415);
    expect(reply.json.code).toBe('DP_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an oversized body with 413', async () => {
    const reply = await post({ ...GOOD, padding: 'x'.repeat(70_000) });
    expect(reply.status).toBe(413);
  });

  it('answers a malformed job id with 404', async () => {
    const reply = await api.call('GET', '/jobs/not-a-uuid');
    expect(reply.status).toBe(404);
    expect(reply.json.code).toBe('DP_JOB_NOT_FOUND');
  });

  it('answers an unknown job id with 404', async () => {
    const reply = await api.call(
      'GET',
      '/jobs/00000000-0000-4000-8000-000000000000',
    );
    expect(reply.status).toBe(404);
  });

  it('serves the OpenAPI document and the signing keys without a token', async () => {
    const doc = await api.call('GET', '/openapi.json', { token: null });
    expect(doc.json.openapi).toBe('3.1.0');
    const keys = await api.call('GET', '/signing-keys', { token: null });
    expect(keys.json.keys[0].publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });
});

describe('the API, at the edges of HTTP', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers a method the path lacks with 405 and Allow', async () => {
    const reply = await api.call(
      'DELETE',
      '/jobs/00000000-0000-4000-8000-000000000000',
      {
        token: null,
      },
    );
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, HEAD');
    expect(reply.json.code).toBe('DP_METHOD_NOT_ALLOWED');
  });

  it('answers a malformed percent escape in the path with 400', async () => {
    const reply = await api.call('GET', '/jobs/%E0%A4%A');
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe('DP_REQUEST_INVALID');
  });

  it('answers a body that is JSON but not an object with 400', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      rawBody: 'null',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.detail).toContain('JSON object');
  });

  it('answers a content encoding it cannot read with 415', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      rawBody: '{}',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'compress',
      },
    });
    expect(reply.status).toBe(415);
  });

  it('answers a body that does not inflate with 400, not 500', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      rawBody: 'not deflate data',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'deflate',
      },
    });
    expect(reply.status).toBe(400);
  });

  it('answers a NUL in the URL with 400, before anything reads it', async () => {
    for (const path of ['/evidence/documents/a%00b', '/jobs?status=%00']) {
      const reply = await api.call('GET', path);
      expect(reply.status, path).toBe(400);
      expect(reply.json.detail).toContain('NUL');
    }
  });

  it('answers a URL whose escapes are not UTF-8 with 400', async () => {
    for (const path of ['/jobs?cursor=a%ED%A0%80b', '/jobs?status=%FF']) {
      const reply = await api.call('GET', path);
      expect(reply.status, path).toBe(400);
      expect(reply.json.detail).toContain('not UTF-8');
    }
    expect((await api.call('GET', '/jobs?status=%C3%A9')).status).not.toBe(500);
  });

  it('answers a JSON body holding a NUL or a lone surrogate with 400, naming where', async () => {
    for (const [text, where] of [
      ['{"tenantId":"acme\\u0000"}', 'body.tenantId'],
      ['{"artifacts":["s\\ud800x"]}', 'body.artifacts[0]'],
      ['{"a\\u0000":1}', 'a key of body'],
    ]) {
      const reply = await api.call('POST', '/disclosures/export', {
        rawBody: text,
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status, text).toBe(400);
      expect(reply.json.detail).toContain(`${where} holds a NUL`);
    }
  });

  it('answers a JSON body that is not UTF-8 with 415', async () => {
    const reply = await fetch(new URL('/disclosures/export', api.server.url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.tokens.acme}`,
        'content-type': 'application/json',
      },
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(reply.status).toBe(415);
    expect(((await reply.json()) as { code: string }).code).toBe(
      'DP_UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers a request without a body where one is needed with 400 saying so', async () => {
    const reply = await api.call('POST', '/disclosures/export', {
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.detail).toMatch(/has no body/);
  });

  it.each([
    [
      'headers too large',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'DP_HEADERS_TOO_LARGE',
    ],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /disclosures/export HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'DP_REQUEST_INVALID',
    ],
  ])(
    'answers %s from the HTTP layer as a problem document',
    async (_what, request, status, code) => {
      const answer = await rawHttp(new URL(api.server.url), request);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head.toLowerCase()).toContain(
        'content-type: application/problem+json',
      );
      expect(JSON.parse(body)).toMatchObject({ status, code });
    },
  );
});

/** Sends bytes as they are and reads the answer until the server closes. */
function rawHttp(url: URL, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(request);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
