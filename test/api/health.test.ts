import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness } from '../../src/api/index.js';
import { startTestServer, type TestServer } from '../support/api.js';
import { BACKENDS, openTestDatabase } from '../support/db.js';

describe('the health routes', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers /healthz without credentials', async () => {
    const reply = await api.call('GET', '/healthz', { token: null });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ok' });
  });

  it('answers /readyz with every dependency checked', async () => {
    const reply = await api.call('GET', '/readyz', { token: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.json.status).toBe('ready');
    expect(reply.json.checks.map((c: { name: string }) => c.name)).toEqual([
      'database',
      'storage',
      'queue',
    ]);
    for (const check of reply.json.checks) {
      expect(check).toMatchObject({ status: 'ok' });
      expect(check.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  describe('when the object store cannot be read', () => {
    const objects = () => path.join(api.dataDir, 'objects');

    beforeAll(async () => {
      // A file where the store's folder should be: every look-up fails.
      await mkdir(objects(), { recursive: true });
      await rename(objects(), `${objects()}.away`);
      await writeFile(objects(), 'not a folder');
    });
    afterAll(async () => {
      await rm(objects(), { force: true });
      await rename(`${objects()}.away`, objects());
    });

    it('answers 503 with a problem naming the failed check', async () => {
      const reply = await api.call('GET', '/readyz', { token: null });
      expect(reply.status).toBe(503);
      expect(reply.headers.get('content-type')).toMatch(
        /^application\/problem\+json/,
      );
      expect(reply.json.code).toBe('DP_NOT_READY');
      expect(reply.json.detail).toBe('not ready: storage (ENOTDIR)');
      const checks = reply.json.checks as { name: string; status: string }[];
      const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
      expect(byName.storage).toMatchObject({
        status: 'failed',
        reason: 'ENOTDIR',
      });
      expect(byName.database?.status).toBe('ok');
      expect(byName.queue?.status).toBe('ok');
    });

    it('still answers /healthz: the process is alive', async () => {
      const reply = await api.call('GET', '/healthz', { token: null });
      expect(reply.status).toBe(200);
    });
  });
});

describe('checkReadiness', () => {
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never says a word: a hung dependency.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) =>
      silent.listen(0, '127.0.0.1', resolve),
    );
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it.each(BACKENDS)(
    'fails the check of a closed %s database',
    async (backend) => {
      const db = await openTestDatabase(backend, 'ready');
      await db.close();
      const ok = () => Promise.resolve();
      const [database, storage] = await checkReadiness({
        database: () => db.query('SELECT 1'),
        storage: ok,
        queue: ok,
      });
      expect(database).toMatchObject({ name: 'database', status: 'failed' });
      expect(database?.reason).toEqual(expect.any(String));
      expect(storage?.status).toBe('ok');
    },
  );

  it('gives up on a dependency that does not answer in time', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: silentPort,
      user: 'postgres',
    });
    client.on('error', () => undefined);
    const started = Date.now();
    const checks = await checkReadiness(
      {
        database: () => client.connect(),
        storage: () => Promise.resolve(),
        queue: () => Promise.resolve(),
      },
      300,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(checks[0]).toMatchObject({
      status: 'failed',
      reason: 'no answer within 300 ms',
    });
  });
});
