import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type VerifyReport } from '../../src/bundle/index.js';
import type { JobTransition } from '../../src/domain/index.js';
import { jobQueries, type StoredJob } from '../../src/jobs/index.js';
import { DATABASE_URL } from '../support/db.js';
import {
  filesUnder,
  openCluster,
  sha512Of,
  type Cluster,
  type WorkerChild,
  type WorkerExit,
} from '../support/workers.js';

// Enough events for several 64 KiB chunks of audit-events.jsonl, so that
// `stream.audit-events` (reached after the first chunk) is mid-stream.
const EVENTS = 3000;
const LEASE_SECONDS = 3;
// The promise: taken up again, and finished, within 60 s.
const RECOVERY_MS = 60_000;
const FINISHED = ['completed', 'partial', 'failed', 'cancelled'] as const;

const STAGES = [
  { stage: 'while fetching', failpoint: 'fetch.audit-events' },
  { stage: 'while zipping', failpoint: 'stream.audit-events' },
  {
    stage: 'after the zip is written, before publishing',
    failpoint: 'publish.before',
  },
  {
    stage: 'after publishing, before the job row says so',
    failpoint: 'publish.after',
  },
];

interface Crash {
  job: StoredJob;
  death: WorkerExit;
  reached: boolean;
  transitions: JobTransition[];
  bundles: string[];
  objects: string[];
  report: VerifyReport | null;
  bundleSha512: string | null;
}

// Real processes on the real server: PGlite belongs to one process.
describe.skipIf(!DATABASE_URL)('a worker killed with SIGKILL', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await openCluster('crash');
    for (const [i] of STAGES.entries()) {
      await cluster.seedTenant(`crash-${i}`, EVENTS);
    }
    await cluster.seedTenant('long', EVENTS);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /**
   * Worker A takes the job and stops at the failpoint, where the test
   * kills it (a `kill` failpoint dies before its log line is sure to be
   * out); worker B, started as soon as A has the job, must finish it.
   */
  async function crashAt(tenantId: string, failpoint: string): Promise<Crash> {
    const a = cluster.spawnWorker({
      name: 'A',
      failpoints: `${failpoint}=pause`,
      leaseSeconds: LEASE_SECONDS,
    });
    await a.started();
    const created = await cluster.createJob(tenantId);
    await a.waitForLog(
      (l) => l.event === 'job.started' && l.jobId === created.id,
    );
    const b = cluster.spawnWorker({ name: 'B', leaseSeconds: LEASE_SECONDS });
    const reached = await a.waitForLog(
      (l) => l.event === 'failpoint.reached' && l.failpoint === failpoint,
    );
    a.kill();
    const death = await a.exited;
    const job = await cluster.waitForStatus(
      tenantId,
      created.id,
      FINISHED,
      RECOVERY_MS + 15_000,
    );
    await b.stop();
    return { ...(await inspect(job, death)), reached: reached !== undefined };
  }

  async function inspect(
    job: StoredJob,
    death: WorkerExit,
  ): Promise<Omit<Crash, 'reached'>> {
    const tenantDir = path.join(cluster.objectsDir, 'bundles', job.tenantId);
    const bundles = await filesUnder(tenantDir);
    const file = path.join(tenantDir, `${job.id}.zip`);
    const published = bundles.includes(`${job.id}.zip`);
    return {
      job,
      death,
      transitions: await jobQueries.transitions(cluster.runtime.db, job.id),
      bundles,
      objects: await filesUnder(cluster.objectsDir),
      report: published ? await verifyBundle(file) : null,
      bundleSha512: published ? await sha512Of(file) : null,
    };
  }

  describe.each(STAGES.map((s, i) => ({ ...s, tenantId: `crash-${i}` })))(
    '$stage ($failpoint)',
    ({ failpoint, tenantId }) => {
      let crash: Crash;

      beforeAll(async () => {
        crash = await crashAt(tenantId, failpoint);
      }, 120_000);

      it('is killed with SIGKILL at the failpoint', () => {
        expect(crash.reached).toBe(true);
        expect(crash.death.signal).toBe('SIGKILL');
      });

      it('ends completed within 60 s of the death', () => {
        expect(crash.job.status).toBe('completed');
        const finishedAt = crash.job.finishedAt?.getTime() ?? Infinity;
        expect(finishedAt - crash.death.at).toBeLessThan(RECOVERY_MS);
      });

      it('ran the job again as a new attempt', () => {
        expect(crash.job.attempts).toBeGreaterThanOrEqual(2);
      });

      it('publishes exactly one bundle, the one the job row names', () => {
        expect(crash.bundles).toEqual([`${crash.job.id}.zip`]);
        expect(crash.bundleSha512).toBe(crash.job.bundle?.sha512);
      });

      it('publishes a bundle that verifies', () => {
        expect(crash.report?.problems).toEqual([]);
        expect(crash.report?.ok).toBe(true);
      });

      it('leaves no staging object and no temporary file', () => {
        expect(crash.objects.filter((f) => f.startsWith('staging'))).toEqual(
          [],
        );
        expect(crash.objects.filter((f) => f.includes('.tmp-'))).toEqual([]);
      });

      it('records running → pending (DP_WORKER_LOST) → running → completed', () => {
        const steps = crash.transitions.map((t) => [t.from, t.to, t.reason]);
        expect(steps).toEqual([
          [null, 'pending', null],
          ['pending', 'running', null],
          ['running', 'pending', 'DP_WORKER_LOST'],
          // A claim clears the last attempt's error.
          ['pending', 'running', null],
          ['running', 'completed', null],
        ]);
      });
    },
  );

  // A stand-in for an export that legitimately runs for 20 minutes: paused
  // far past its 2 s lease while another worker polls for work.
  describe('a job that runs far longer than its lease', () => {
    const tenantId = 'long';
    let a: WorkerChild;
    let b: WorkerChild;
    let jobId: string;
    const seen = { attempts: new Set<number>(), epochs: new Set<number>() };
    const statuses = new Set<string>();

    beforeAll(async () => {
      a = cluster.spawnWorker({
        name: 'A',
        failpoints: 'stream.audit-events=pause',
        leaseSeconds: 2,
      });
      await a.started();
      jobId = (await cluster.createJob(tenantId)).id;
      await a.waitForLog(
        (l) => l.event === 'failpoint.reached' && l.failpoint !== undefined,
      );
      b = cluster.spawnWorker({ name: 'B', leaseSeconds: 2 });
      await b.started();
      // Five leases' worth of B's reaper passes while A holds the job.
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const job = await cluster.getJob(tenantId, jobId);
        seen.attempts.add(job.attempts);
        seen.epochs.add(job.leaseEpoch);
        statuses.add(job.status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }, 90_000);

    it('is claimed once, by one worker, while that worker lives', () => {
      expect([...statuses]).toEqual(['running']);
      expect([...seen.attempts]).toEqual([1]);
      expect([...seen.epochs]).toEqual([1]);
      expect(b.events('job.started', jobId)).toEqual([]);
      expect(b.events('job.reaped', jobId)).toEqual([]);
    });

    describe('then cancelled', () => {
      let cancelledAt: number;
      let stoppedAt: number | null = null;

      beforeAll(async () => {
        cancelledAt = Date.now();
        await cluster.jobs.cancel(tenantId, jobId);
        stoppedAt = await a
          .waitForLog(
            (l) => l.event === 'job.cancelled' && l.jobId === jobId,
            10_000,
          )
          .then(() => Date.now())
          .catch(() => null);
      }, 30_000);

      it('stops the running attempt within a few seconds', () => {
        expect(stoppedAt, 'worker A never logged job.cancelled').not.toBe(null);
        expect((stoppedAt ?? Infinity) - cancelledAt).toBeLessThan(5_000);
      });

      it('is cancelled, after its one attempt', async () => {
        const job = await cluster.getJob(tenantId, jobId);
        expect(job.status).toBe('cancelled');
        expect(job.attempts).toBe(1);
        const steps = await jobQueries.transitions(cluster.runtime.db, jobId);
        expect(steps.map((t) => t.to)).toEqual([
          'pending',
          'running',
          'cancelled',
        ]);
      });

      it('publishes nothing', async () => {
        const bundles = path.join(cluster.objectsDir, 'bundles', tenantId);
        expect(await filesUnder(bundles)).toEqual([]);
      });

      it('leaves no staging object and no temporary file', async () => {
        const staging = path.join(cluster.objectsDir, 'staging', tenantId);
        expect(await filesUnder(staging)).toEqual([]);
      });
    });
  });
});
