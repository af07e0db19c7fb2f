import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/index.js';
import type { Manifest } from '../../src/bundle/manifest.js';
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  type ExportJob,
} from '../../src/domain/index.js';
import {
  Failpoints,
  jobQueries,
  type FailpointName,
  type StoredJob,
} from '../../src/jobs/index.js';
import { BACKENDS } from '../support/db.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';
import { readZipEntries } from '../support/zip.js';

describe.each(BACKENDS)('export jobs on %s', (backend) => {
  let h: JobHarness;

  beforeAll(async () => {
    h = await openJobHarness(backend, 'worker');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function exportFor(
    tenantId = 'acme',
    artifacts: ArtifactKind[] = [...ARTIFACT_KINDS],
  ): Promise<StoredJob> {
    const { job } = await h.jobs.createExport({
      tenantId,
      window: h.window,
      artifacts,
      requestedBy: 'alice@acme.example',
      idempotencyKey: null,
    });
    return job;
  }

  /** The published bundle: it must verify; answers its manifest. */
  async function publishedManifest(job: ExportJob): Promise<Manifest> {
    expect(job.bundle).not.toBeNull();
    const file = path.join(h.objectsDir, job.bundle?.objectKey ?? '');
    const report = await verifyBundle(file, {
      publicKeyPem: h.signer.publicKeyPem,
    });
    expect(report.problems).toEqual([]);
    const entries = await readZipEntries(file);
    return JSON.parse(
      entries.get('manifest.json')?.toString('utf8') ?? '',
    ) as Manifest;
  }

  /** Published and staged files of one job. */
  async function filesOf(jobId: string) {
    const files = await h.files();
    return {
      bundles: files.filter(
        (f) => f.startsWith('bundles') && f.includes(jobId),
      ),
      staging: files.filter((f) => f.startsWith('staging')),
      temporary: files.filter((f) => path.basename(f).startsWith('.tmp-')),
    };
  }

  /** A fault set that says when a paused point is reached. */
  function pausing(name: FailpointName): {
    faults: Failpoints;
    reached: Promise<void>;
  } {
    const faults = new Failpoints(`${name}=pause`);
    const reached = new Promise<void>((resolve) => {
      faults.onReached = (n) => n === name && resolve();
    });
    return { faults, reached };
  }

  async function transitionsOf(jobId: string): Promise<string[]> {
    const history = await jobQueries.transitions(h.db, jobId);
    return history.map(
      (t) => `${t.from ?? '∅'}→${t.to}${t.reason ? ` (${t.reason})` : ''}`,
    );
  }

  it('runs a job to completed, records each transition, leaves nothing staged', async () => {
    const worker = await h.startWorker();
    try {
      const job = await exportFor();
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('completed');
      expect(done.attempts).toBe(1);
      expect(await transitionsOf(job.id)).toEqual([
        '∅→pending',
        'pending→running',
        'running→completed',
      ]);
      const manifest = await publishedManifest(done);
      for (const kind of ARTIFACT_KINDS) {
        expect(manifest.summary[kind]?.status).toBe('included');
        expect(manifest.summary[kind]?.exported).toBe(
          manifest.summary[kind]?.expected,
        );
        expect(done.kinds[kind]).toMatchObject({
          status: 'included',
          retries: 0,
        });
      }
      expect(await filesOf(job.id)).toEqual({
        bundles: [`bundles/acme/${job.id}.zip`],
        staging: [],
        temporary: [],
      });
      // Progress counts the evidence's bytes before compression, to the end.
      expect(done.progress).toMatchObject({
        stage: 'done',
        bytesWritten: manifest.files.reduce((n, f) => n + f.size, 0),
      });
    } finally {
      await worker.stop(0);
    }
  });

  it('retries a source that fails twice, then completes with 2 retries recorded', async () => {
    const worker = await h.startWorker({ faults: 'fetch.sboms=fail(2)' });
    try {
      const job = await exportFor();
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('completed');
      expect(done.attempts).toBe(1);
      expect(done.kinds.sboms).toMatchObject({
        status: 'included',
        retries: 2,
      });
      const manifest = await publishedManifest(done);
      expect(manifest.summary.sboms?.status).toBe('included');
      const metric = await h.metrics.registry
        .getSingleMetric('dp_source_retries_total')
        ?.get();
      expect(
        metric?.values.find((v) => v.labels.kind === 'sboms')?.value,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.stop(0);
    }
  });

  it('omits a kind whose source always fails: partial, with the reason in the signed manifest', async () => {
    const worker = await h.startWorker({
      faults: 'fetch.policy-reports=fail',
    });
    try {
      const job = await exportFor();
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('partial');
      expect(done.kinds['policy-reports']).toMatchObject({
        status: 'omitted',
        exported: 0,
        retries: 3,
        reason: { code: 'DP_SOURCE_UNAVAILABLE' },
      });
      expect(done.warnings.join('\n')).toMatch(
        /policy-reports: omitted after 3 retries \(DP_SOURCE_UNAVAILABLE/,
      );
      const manifest = await publishedManifest(done);
      expect(manifest.summary['policy-reports']).toMatchObject({
        status: 'omitted',
        exported: 0,
        files: 0,
        reason: { code: 'DP_SOURCE_UNAVAILABLE' },
      });
      expect(manifest.missing).toEqual([
        expect.objectContaining({
          kind: 'policy-reports',
          status: 'omitted',
          code: 'DP_SOURCE_UNAVAILABLE',
        }),
      ]);
      expect(manifest.summary.sboms?.status).toBe('included');
    } finally {
      await worker.stop(0);
    }
  });

  it('retries a whole attempt after a transient storage failure', async () => {
    const worker = await h.startWorker({ faults: 'store.open=fail(1)' });
    try {
      const job = await exportFor();
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('completed');
      expect(done.attempts).toBe(2);
      expect(done.failedAttempts).toBe(1);
      expect(await transitionsOf(job.id)).toEqual([
        '∅→pending',
        'pending→running',
        'running→pending (DP_STORAGE_UNAVAILABLE)',
        'pending→running',
        'running→completed',
      ]);
      await publishedManifest(done);
    } finally {
      await worker.stop(0);
    }
  });

  it('fails for good once the attempts are spent', async () => {
    const worker = await h.startWorker({ faults: 'store.open=fail' });
    try {
      const job = await exportFor();
      await h.db.query(
        'UPDATE export_jobs SET max_attempts = 2 WHERE id = $1',
        [job.id],
      );
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('failed');
      expect(done.attempts).toBe(2);
      expect(done.error?.code).toBe('DP_STORAGE_UNAVAILABLE');
      expect(done.bundle).toBeNull();
      expect((await filesOf(job.id)).staging).toEqual([]);
    } finally {
      await worker.stop(0);
    }
  });

  it('fails at once, without retrying, when the bundle outgrows the maximum', async () => {
    const worker = await h.startWorker({ bundleMaxBytes: 2048 });
    try {
      const job = await exportFor();
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('failed');
      expect(done.attempts).toBe(1);
      expect(done.error?.code).toBe('DP_BUNDLE_TOO_LARGE');
      expect(await filesOf(job.id)).toEqual({
        bundles: [],
        staging: [],
        temporary: [],
      });
    } finally {
      await worker.stop(0);
    }
  });

  it('warns and counts a bundle over the alert threshold', async () => {
    const worker = await h.startWorker({ bundleWarnBytes: 1000 });
    try {
      const job = await exportFor();
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial']);
      expect(done.status).toBe('completed');
      expect(done.warnings.join('\n')).toMatch(
        /over the alert threshold of 1000 bytes/,
      );
      const alerts = await h.metrics.registry
        .getSingleMetric('dp_bundle_size_alerts_total')
        ?.get();
      expect(alerts?.values[0]?.value).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.stop(0);
    }
  });

  it('fails at once on corrupt evidence, a permanent failure', async () => {
    const docs = await h.store.listDocuments('globex', 'sboms', h.window);
    const victim = docs[0];
    expect(victim).toBeDefined();
    await writeFile(
      path.join(h.objectsDir, victim?.location ?? ''),
      'tampered',
    );
    const worker = await h.startWorker();
    try {
      const job = await exportFor('globex', ['sboms']);
      const done = await h.waitFor(job.id, ['completed', 'failed', 'partial'], {
        tenantId: 'globex',
      });
      expect(done.status).toBe('failed');
      expect(done.attempts).toBe(1);
      expect(done.error?.code).toBe('DP_EVIDENCE_CORRUPT');
    } finally {
      await worker.stop(0);
    }
  });

  it('cancels a job during assembly: it stops within seconds and publishes nothing', async () => {
    const { faults, reached } = pausing('assemble');
    const worker = await h.startWorker({ faults });
    try {
      const job = await exportFor();
      await reached;
      const cancelled = await h.jobs.cancel('acme', job.id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.error?.code).toBe('DP_JOB_CANCELLED');
      // The attempt notices at its next heartbeat and cleans its files.
      const deadline = Date.now() + 5000;
      while ((await filesOf(job.id)).staging.length > 0) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await filesOf(job.id)).toEqual({
        bundles: [],
        staging: [],
        temporary: [],
      });
      await expect(
        stat(path.join(h.objectsDir, 'staging', 'acme', job.id)),
      ).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await h.jobs.get('acme', job.id)).status).toBe('cancelled');
      // Cancelling again changes nothing; a finished job cannot be cancelled.
      expect((await h.jobs.cancel('acme', job.id)).status).toBe('cancelled');

      await worker.stop(0);
      const again = await h.startWorker();
      try {
        const retried = await h.jobs.retry('acme', job.id);
        expect(retried.status).toBe('pending');
        const done = await h.waitFor(job.id, ['completed', 'failed']);
        expect(done.status).toBe('completed');
        expect(done.attempts).toBe(2);
        await publishedManifest(done);
        await expect(h.jobs.cancel('acme', job.id)).rejects.toMatchObject({
          code: 'DP_JOB_FINISHED',
        });
        await expect(h.jobs.retry('acme', job.id)).rejects.toMatchObject({
          code: 'DP_JOB_NOT_RETRYABLE',
        });
        expect(await transitionsOf(job.id)).toEqual([
          '∅→pending',
          'pending→running',
          'running→cancelled (DP_JOB_CANCELLED)',
          'cancelled→pending',
          'pending→running',
          'running→completed',
        ]);
      } finally {
        await again.stop(0);
      }
    } finally {
      await worker.stop(0);
    }
  });

  it('gives a running job back on shutdown, and another worker finishes it', async () => {
    const { faults, reached } = pausing('assemble');
    const worker = await h.startWorker({ faults });
    const job = await exportFor();
    await reached;
    await worker.stop(100);
    const released = await h.jobs.get('acme', job.id);
    expect(released).toMatchObject({
      status: 'pending',
      attempts: 1,
      failedAttempts: 0,
      error: { code: 'DP_WORKER_SHUTDOWN' },
    });
    expect((await filesOf(job.id)).staging).toEqual([]);
    const next = await h.startWorker();
    try {
      const done = await h.waitFor(job.id, ['completed', 'failed']);
      expect(done.status).toBe('completed');
      expect(done.attempts).toBe(2);
    } finally {
      await next.stop(0);
    }
  });

  it('stops an attempt whose lease was taken, which then never publishes', async () => {
    const { faults, reached } = pausing('publish.before');
    const worker = await h.startWorker({ faults });
    try {
      const job = await exportFor();
      await reached;
      // Another claim raises the epoch, as a worker taking an expired
      // lease would; the paused attempt now holds a stale lease.
      await h.db.query(
        `UPDATE export_jobs SET lease_epoch = lease_epoch + 1,
           lease_owner = 'elsewhere',
           lease_expires_at = clock_timestamp() + interval '1 second'
         WHERE id = $1`,
        [job.id],
      );
      // The stale attempt stops at its next heartbeat.
      const lost = async () =>
        (
          await h.metrics.registry
            .getSingleMetric('dp_export_attempts_total')
            ?.get()
        )?.values.find((v) => v.labels.outcome === 'lost')?.value ?? 0;
      const before = await lost();
      const deadline = Date.now() + 5000;
      while ((await lost()) === before) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await filesOf(job.id)).bundles).toEqual([]);
      // The reaper gives the job back once the stolen lease expires, and
      // a worker completes it.
      await worker.stop(0);
      const next = await h.startWorker();
      try {
        const done = await h.waitFor(job.id, ['completed', 'failed']);
        expect(done.status).toBe('completed');
        expect(done.attempts).toBe(2);
        expect(await transitionsOf(job.id)).toEqual([
          '∅→pending',
          'pending→running',
          'running→pending (DP_WORKER_LOST)',
          'pending→running',
          'running→completed',
        ]);
        expect(await filesOf(job.id)).toMatchObject({
          bundles: [`bundles/acme/${job.id}.zip`],
          staging: [],
        });
      } finally {
        await next.stop(0);
      }
    } finally {
      await worker.stop(0);
    }
  });

  it('takes back the job of a worker that died, and fails it once attempts are spent', async () => {
    const first = await exportFor();
    const second = await exportFor();
    // A worker claims both and dies without a word: no heartbeat follows.
    for (const job of [first, second]) {
      await jobQueries.claim(h.db, 'acme', job.id, 'ghost', 300);
    }
    await h.db.query('UPDATE export_jobs SET max_attempts = 1 WHERE id = $1', [
      second.id,
    ]);
    const worker = await h.startWorker();
    try {
      const done = await h.waitFor(first.id, ['completed', 'failed']);
      expect(done.status).toBe('completed');
      expect(done.attempts).toBe(2);
      const spent = await h.waitFor(second.id, ['completed', 'failed']);
      expect(spent.status).toBe('failed');
      expect(spent.error?.code).toBe('DP_WORKER_LOST');
      const reaped = await h.metrics.registry
        .getSingleMetric('dp_jobs_reaped_total')
        ?.get();
      expect(reaped?.values[0]?.value).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.stop(0);
    }
  });

  it('sweeps staged files that no live attempt owns', async () => {
    const orphan = path.join(h.objectsDir, 'staging', 'acme', 'gone-job');
    await mkdir(orphan, { recursive: true });
    await writeFile(path.join(orphan, '3.zip'), 'left by a dead attempt');
    const worker = await h.startWorker();
    try {
      expect(await worker.sweepStaging()).toBe(1);
      expect((await h.files()).filter((f) => f.startsWith('staging'))).toEqual(
        [],
      );
    } finally {
      await worker.stop(0);
    }
  });
});
