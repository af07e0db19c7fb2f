import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/index.js';
import type { JobTransition } from '../../src/domain/index.js';
import { jobQueries, type StoredJob } from '../../src/jobs/index.js';
import { DATABASE_URL } from '../support/db.js';
import {
  filesUnder,
  openCluster,
  type Cluster,
  type WorkerChild,
} from '../support/workers.js';

const WORKERS = 3;
const JOBS = 30;
const EVENTS = 2000;
const TENANT = 'scale';
const FINISHED = ['completed', 'partial', 'failed', 'cancelled'] as const;

// Real processes on the real server: PGlite belongs to one process.
describe.skipIf(!DATABASE_URL)(
  `${WORKERS} worker processes sharing one PostgreSQL, ${JOBS} jobs`,
  () => {
    let cluster: Cluster;
    let workers: WorkerChild[];
    let jobs: StoredJob[];
    const history = new Map<string, JobTransition[]>();
    let metricsText: string[];

    beforeAll(async () => {
      cluster = await openCluster('scale');
      await cluster.seedTenant(TENANT, EVENTS);
      // A lease long enough that a busy machine never loses one: this test
      // is about sharing work, not about recovering it.
      workers = Array.from({ length: WORKERS }, (_, i) =>
        cluster.spawnWorker({
          name: `W${i + 1}`,
          leaseSeconds: 10,
          metricsPort: 0,
        }),
      );
      await Promise.all(workers.map((w) => w.started()));

      const startedAt = Date.now();
      const created: StoredJob[] = [];
      for (let i = 0; i < JOBS; i += 1) {
        created.push(await cluster.createJob(TENANT));
      }
      jobs = [];
      for (const job of created) {
        jobs.push(
          await cluster.waitForStatus(TENANT, job.id, FINISHED, 120_000),
        );
      }
      const wallMs = Date.now() - startedAt;
      for (const job of jobs) {
        history.set(
          job.id,
          await jobQueries.transitions(cluster.runtime.db, job.id),
        );
      }
      metricsText = await Promise.all(
        workers.map(async (w) => {
          const line = await w.waitForLog((l) => l.event === 'server.started');
          const reply = await fetch(String(line.url));
          expect(reply.status).toBe(200);
          return reply.text();
        }),
      );
      await Promise.all(workers.map((w) => w.stop()));
      const perWorker = workers.map(
        (w) => `${w.name} ${w.events('job.completed').length}`,
      );
      console.log(
        `${JOBS} jobs of ${EVENTS} events on ${WORKERS} workers: ` +
          `${(wallMs / 1000).toFixed(1)} s wall ` +
          `(${((JOBS * 60_000) / wallMs).toFixed(1)} jobs/min); ` +
          `completed per worker: ${perWorker.join(', ')}`,
      );
    }, 180_000);
    afterAll(async () => {
      await cluster?.close();
    });

    it('completes every job', () => {
      expect(jobs.map((j) => j.status)).toEqual(jobs.map(() => 'completed'));
    });

    it('runs every job in exactly one attempt', () => {
      expect(jobs.filter((j) => j.attempts !== 1)).toEqual([]);
      for (const job of jobs) {
        const runs = (history.get(job.id) ?? []).filter(
          (t) => t.to === 'running',
        );
        expect(runs, job.id).toHaveLength(1);
      }
    });

    it('starts every job on exactly one worker', () => {
      for (const job of jobs) {
        const starts = workers.flatMap((w) => w.events('job.started', job.id));
        expect(starts, job.id).toHaveLength(1);
      }
    });

    it('spreads the jobs over more than one worker', () => {
      const owners = new Set(
        workers.flatMap((w) => w.events('job.started').map((l) => l.owner)),
      );
      expect(owners.size).toBeGreaterThan(1);
    });

    it('publishes exactly one bundle per job, each verifying', async () => {
      const dir = path.join(cluster.objectsDir, 'bundles', TENANT);
      const names = await filesUnder(dir);
      expect(names).toEqual(jobs.map((j) => `${j.id}.zip`).sort());
      for (const name of names) {
        const report = await verifyBundle(path.join(dir, name));
        expect(report.problems, name).toEqual([]);
      }
    });

    it("counts every attempt in the workers' own /metrics", () => {
      const completed = metricsText.map((text) => {
        const line = text
          .split('\n')
          .find((l) =>
            l.startsWith('dp_export_attempts_total{outcome="completed"}'),
          );
        return Number(line?.split(' ').at(-1) ?? 0);
      });
      expect(completed.reduce((a, b) => a + b, 0)).toBe(JOBS);
      for (const text of metricsText) {
        expect(text).toContain('dp_export_duration_seconds_bucket');
      }
    });

    it('leaves no staging object and no temporary file', async () => {
      const files = await filesUnder(cluster.objectsDir);
      expect(files.filter((f) => f.startsWith('staging'))).toEqual([]);
      expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    });
  },
);
