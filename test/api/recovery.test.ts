import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { PACKAGE_ROOT, startServer, type Server } from '../../src/cli/serve.js';
import { seedDemoTenants } from '../../src/evidence/index.js';
import { silentLogger } from '../../src/telemetry/index.js';

// A job left `running` by a process that died, in the embedded default.
describe('the embedded default, after a process died mid-export', () => {
  let dataDir: string;
  let server: Server;
  const jobId = '11111111-1111-4111-8111-111111111111';
  const config = () =>
    loadConfig({ dataDir, port: 0, databaseUrl: undefined, apiTokens: [] }, {});

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dp-recovery-'));
    const runtime = await openRuntime(config(), silentLogger());
    await seedDemoTenants({
      store: runtime.store,
      objects: runtime.objects,
      packageRoot: PACKAGE_ROOT,
      now: new Date(),
    });
    await runtime.db.query(
      `INSERT INTO export_jobs (id, tenant_id, status, artifacts, window_from,
         window_to, requested_by, request_hash, progress)
       VALUES ($1, 'acme', 'pending', '["sboms"]', now() - interval '30 days',
         now() + interval '1 minute', 'alice', 'x',
         '{"stage":"queued","itemsDone":0,"itemsTotal":1,"bytesWritten":0}')`,
      [jobId],
    );
    // Claimed by a process that then died, its lease far from expired.
    await runtime.db.query(
      `UPDATE export_jobs SET status = 'running', attempts = 1,
         lease_epoch = 1, lease_owner = 'dead', 
         lease_expires_at = now() + interval '1 hour'
       WHERE id = $1`,
      [jobId],
    );
    await runtime.close();
    const staging = path.join(dataDir, 'objects', 'staging', 'acme', jobId);
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, '.tmp-left-behind'), 'half a zip');
    await writeFile(path.join(staging, '1.zip'), 'a whole zip, unpublished');
    server = await startServer(config(), silentLogger());
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the interrupted job again to completion', async () => {
    const deadline = Date.now() + 20_000;
    let status = '';
    while (Date.now() < deadline) {
      const job = await server.jobs.get('acme', jobId);
      status = job.status;
      if (status === 'completed' || status === 'failed') {
        expect(job.attempts).toBe(2);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('completed');
  });

  it('removes the half-written files of the dead process', async () => {
    const names = await readdir(
      path.join(dataDir, 'objects', 'bundles', 'acme'),
    );
    expect(names).toEqual([`${jobId}.zip`]);
    const staged = await readdir(path.join(dataDir, 'objects', 'staging'), {
      recursive: true,
    });
    expect(
      staged.filter((n) => n.endsWith('.zip') || n.includes('.tmp-')),
    ).toEqual([]);
  });
});
