import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { anExportRequest } from '../support/builders.js';
import { startTestServer, type TestServer } from '../support/api.js';
import { DATABASE_URL } from '../support/db.js';

// The CLI and a running server share the database only on PostgreSQL:
// the embedded one belongs to one process.
describe.skipIf(!DATABASE_URL)('tokens create|list|revoke', () => {
  let api: TestServer;
  const env = { ...process.env };

  beforeAll(async () => {
    api = await startTestServer({ backend: 'postgres' });
    process.env.DP_DATABASE_SCHEMA = api.schema;
    process.env.DP_DATA_DIR = api.dataDir;
  });
  afterAll(async () => {
    process.env.DP_DATABASE_SCHEMA = env.DP_DATABASE_SCHEMA;
    process.env.DP_DATA_DIR = env.DP_DATA_DIR;
    if (env.DP_DATABASE_SCHEMA === undefined)
      delete process.env.DP_DATABASE_SCHEMA;
    if (env.DP_DATA_DIR === undefined) delete process.env.DP_DATA_DIR;
    await api?.close();
  });

  const create = (...args: string[]) =>
    runCli('tokens', 'create', '--tenant', 'acme', ...args);
  const secretOf = (out: string) => /^token: (\S+)$/m.exec(out)?.[1] ?? '';
  const idOf = (out: string) => /^token id: (\S+)$/m.exec(out)?.[1] ?? '';

  it('prints a token once, which the API then accepts with its role', async () => {
    const made = await create('--role', 'viewer', '--subject', 'dana@acme');
    expect(made.code).toBe(0);
    const token = secretOf(made.out);
    expect(token).toMatch(/^dpt_[\w-]{43}$/);
    expect((await api.call('GET', '/jobs', { token })).status).toBe(200);
    const bundle = await api.call('POST', '/disclosures/export', {
      token,
      body: anExportRequest(),
    });
    expect(bundle.status).toBe(403);
  });

  it('keeps only a digest of the secret', async () => {
    const made = await create('--role', 'exporter');
    const token = secretOf(made.out);
    const { rows } = await api.server.runtime.db.query<Record<string, unknown>>(
      'SELECT * FROM api_tokens WHERE id = $1',
      [idOf(made.out)],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
  });

  it('lists tokens without their secrets', async () => {
    const made = await create('--role', 'exporter+admin');
    const list = await runCli('tokens', 'list', '--tenant', 'acme');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(
        `^${idOf(made.out)}\\tacme\\texporter\\+admin\\ttoken:${idOf(made.out)}\\t\\S+\\tlive$`,
        'm',
      ),
    );
    expect(list.out).not.toContain(secretOf(made.out));
  });

  it('refuses a subject that would not read as what it is', async () => {
    for (const subject of [
      '',
      'eve\nroot',
      'a'.repeat(201),
      'ad\u200bmin',
      '\ufffd\ufffd',
    ]) {
      const made = await create('--role', 'viewer', '--subject', subject);
      expect(made.code, JSON.stringify(subject)).toBe(1);
      expect(made.err).toMatch(/--subject must be 1 to 200 characters/);
    }
    const emoji = await create(
      '--role',
      'viewer',
      '--subject',
      '🙂'.repeat(150),
    );
    expect(emoji.code).toBe(0);
    const posing = await create('--role', 'viewer', '--subject', 'token:abc');
    expect(posing.code).toBe(1);
    expect(posing.err).toMatch(/must not start with "token:"/);
  });

  it('revokes a token, which the API refuses from then on', async () => {
    const made = await create('--role', 'exporter');
    const token = secretOf(made.out);
    expect((await api.call('GET', '/jobs', { token })).status).toBe(200);
    const revoked = await runCli('tokens', 'revoke', idOf(made.out));
    expect(revoked.code).toBe(0);
    expect((await api.call('GET', '/jobs', { token })).status).toBe(401);
    const list = await runCli('tokens', 'list');
    expect(list.out).toMatch(
      new RegExp(`^${idOf(made.out)}\\t.*\\trevoked `, 'm'),
    );
  });

  it("writes token operations into the tenant's audit trail", async () => {
    const { rows } = await api.server.runtime.db.query<{ action: string }>(
      `SELECT action FROM audit_events
       WHERE tenant_id = 'acme' AND source_format = 'disclosure-packager'
         AND actor = 'operator'`,
    );
    const actions = rows.map((r) => r.action);
    expect(actions.filter((a) => a === 'token.created')).toHaveLength(5);
    expect(actions.filter((a) => a === 'token.revoked')).toHaveLength(1);
  });

  it.each([
    [['--role', 'owner'], /--role must name viewer, exporter, admin/],
    [['--role', 'viewer', '--tenant', 'nowhere'], /no tenant "nowhere"/],
  ])('refuses %j with a plain message', async (args, message) => {
    const result = await runCli(
      'tokens',
      'create',
      '--tenant',
      'acme',
      ...args,
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('refuses to revoke an unknown token', async () => {
    const result = await runCli('tokens', 'revoke', 'no-such-id');
    expect(result.code).toBe(1);
    expect(result.err).toBe('error: no API token no-such-id\n');
  });
});
