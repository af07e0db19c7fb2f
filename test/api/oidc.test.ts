import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api.js';
import { anExportRequest } from '../support/builders.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'disclosure-packager';

describe('OIDC bearer tokens', () => {
  let jwks: Server;
  let api: TestServer;
  let signing: CryptoKey;
  let stranger: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signing = pair.privateKey;
    stranger = (await generateKeyPair('ES256')).privateKey;
    const jwk: JWK = {
      ...(await exportJWK(pair.publicKey)),
      kid: 'k1',
      alg: 'ES256',
      use: 'sig',
    };
    // The identity provider's key set, served over HTTP as an IdP would.
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as AddressInfo).port;
    api = await startTestServer({
      config: {
        oidc: {
          jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
          issuer: ISSUER,
          audience: AUDIENCE,
          tenantClaim: 'https://dp/tenant',
          rolesClaim: 'https://dp/roles',
        },
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const jwt = (
    claims: Record<string, unknown>,
    options: {
      key?: CryptoKey;
      audience?: string;
      expires?: string | number | null;
      subject?: string | null;
    } = {},
  ) => {
    const token = new SignJWT({
      'https://dp/tenant': 'acme',
      'https://dp/roles': ['viewer'],
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt();
    if (options.subject !== null) {
      token.setSubject(options.subject ?? 'carol@acme');
    }
    if (options.expires !== null) {
      token.setExpirationTime(options.expires ?? '5m');
    }
    return token.sign(options.key ?? signing);
  };

  it("admits a valid token to its tenant's jobs with its roles", async () => {
    const token = await jwt({});
    const list = await api.call('GET', '/jobs', { token });
    expect(list.status).toBe(200);
    const exported = await api.call('POST', '/disclosures/export', {
      token,
      body: anExportRequest(),
    });
    expect(exported.status).toBe(403);
  });

  it.each([
    ['no tenant', () => jwt({ 'https://dp/tenant': undefined }), /no tenant/],
    [
      'an unknown tenant',
      () => jwt({ 'https://dp/tenant': 'nowhere' }),
      /unknown tenant/,
    ],
    ['a bad signature', () => jwt({}, { key: stranger }), /bad signature/],
    [
      'an expired token',
      () => jwt({}, { expires: Math.floor(Date.now() / 1000) - 60 }),
      /expired/,
    ],
    ['a wrong audience', () => jwt({}, { audience: 'someone-else' }), /aud/],
    ['a token that never expires', () => jwt({}, { expires: null }), /exp/],
    ['a token with no subject', () => jwt({}, { subject: null }), /sub/],
    [
      'a subject with a NUL',
      () => jwt({}, { subject: 'al\u0000ice' }),
      /sub claim holds control characters/,
    ],
    [
      'a tenant with a NUL',
      () => jwt({ 'https://dp/tenant': 'acme\u0000' }),
      /tenant claim holds control characters/,
    ],
    [
      'a subject with a lone surrogate',
      () => jwt({}, { subject: 'al\ud800ice' }),
      /sub claim holds control characters or lone surrogates/,
    ],
  ])('refuses %s with 401', async (_name, make, detail) => {
    const reply = await api.call('GET', '/jobs', { token: await make() });
    expect(reply.status).toBe(401);
    expect(reply.json.code).toBe('DP_UNAUTHENTICATED');
    expect(reply.json.detail).toMatch(detail);
  });

  it('still accepts the configured API tokens', async () => {
    expect((await api.call('GET', '/jobs')).status).toBe(200);
  });
});
