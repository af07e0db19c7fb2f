import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/cli/runtime.js';
import { loadConfig } from '../../src/config/index.js';
import { jobQueries } from '../../src/jobs/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import { runCli } from '../support/cli.js';
import { dropSchemas, uniqueSchema } from '../support/db.js';

describe('retention run', () => {
  let work: string;
  const schema = uniqueSchema('cliret');
  const jobId = randomUUID();
  const key = `bundles/acme/${jobId}.zip`;
  const open = () => openRuntime(loadConfig(), silentLogger());

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dp-cli-retention-'));
    process.env.DP_DATA_DIR = path.join(work, 'data');
    process.env.DP_DATABASE_SCHEMA = schema;
    process.env.DP_RETENTION_DAYS = '7';
    await runCli('tenants', 'add', 'acme', '--name', 'Acme');
    // A bundle published ten days ago, three past the retention period.
    const rt = await open();
    try {
      await rt.objects.put(key, Readable.from([Buffer.from('zip')]));
      await jobQueries.insert(rt.db, {
        id: jobId,
        tenantId: 'acme',
        artifacts: ['sboms'],
        windowFrom: new Date('2026-01-01T00:00:00Z'),
        windowTo: new Date('2026-02-01T00:00:00Z'),
        requestedBy: 'alice',
        idempotencyKey: null,
        requestHash: 'h',
        maxAttempts: 1,
      });
      const bundle = {
        objectKey: key,
        size: 3,
        sha512: 'a'.repeat(128),
        indexSha512: 'b'.repeat(128),
        keyId: 'sha256:key',
      };
      await rt.db.query(
        `UPDATE export_jobs SET status = 'running' WHERE id = $1`,
        [jobId],
      );
      await rt.db.query(
        `UPDATE export_jobs SET status = 'completed', bundle = $2,
           finished_at = now() - interval '10 days' WHERE id = $1`,
        [jobId, JSON.stringify(bundle)],
      );
    } finally {
      await rt.close();
    }
  });
  afterAll(async () => {
    delete process.env.DP_RETENTION_DAYS;
    await rm(work, { recursive: true, force: true });
    await dropSchemas(schema);
  });

  it('deletes the expired bundle, marks its job and says how many', async () => {
    const result = await runCli('retention', 'run');
    expect(result).toMatchObject({ code: 0, out: '1 bundles expired\n' });
    const rt = await open();
    try {
      expect(await rt.objects.head(key)).toBeNull();
      const job = await jobQueries.findForTenant(rt.db, 'acme', jobId);
      expect(job?.status).toBe('expired');
    } finally {
      await rt.close();
    }
  });

  it('finds nothing more the second time', async () => {
    expect((await runCli('retention', 'run')).out).toBe('0 bundles expired\n');
  });
});
