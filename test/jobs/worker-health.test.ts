import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL } from '../support/db.js';
import {
  openCluster,
  type Cluster,
  type WorkerChild,
} from '../support/workers.js';

// A worker process needs the real server: PGlite belongs to one process.
describe.skipIf(!DATABASE_URL)('a worker process’s health routes', () => {
  let cluster: Cluster;
  let worker: WorkerChild;
  let base: URL;

  beforeAll(async () => {
    cluster = await openCluster('health');
    worker = cluster.spawnWorker({ name: 'H', metricsPort: 0 });
    await worker.started();
    const line = await worker.waitForLog((l) => l.event === 'server.started');
    base = new URL(String(line.url));
  }, 90_000);
  afterAll(async () => {
    await worker?.stop();
    await cluster?.close();
  });

  it('answers /healthz on its metrics port', async () => {
    const reply = await fetch(new URL('/healthz', base));
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with the database, storage and queue checked', async () => {
    const reply = await fetch(new URL('/readyz', base));
    expect(reply.status).toBe(200);
    const body = (await reply.json()) as {
      status: string;
      checks: { name: string; status: string }[];
    };
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.status])).toEqual([
      ['database', 'ok'],
      ['storage', 'ok'],
      ['queue', 'ok'],
    ]);
  });
});
