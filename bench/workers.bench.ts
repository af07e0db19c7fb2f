/**
 * The scale-out benchmark: the same batch of export jobs run by one
 * worker process, then by three, each process a real `disclosure-packager
 * worker` sharing one PostgreSQL. Prints the throughput of each and their
 * ratio, and writes them to bench/results/workers.json.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/workers.bench.ts
 *
 * BENCH_JOBS, BENCH_EVENTS and BENCH_CONCURRENCY (exports at once in each
 * process) change the batch.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { StoredJob } from '../src/jobs/index.js';
import { DATABASE_URL } from '../test/support/db.js';
import { openCluster } from '../test/support/workers.js';
import { ROOT, step } from './product.js';
import { machineOf } from './results.js';

const JOBS = toCount('BENCH_JOBS', 30);
const EVENTS = toCount('BENCH_EVENTS', 2_000);
const CONCURRENCY = toCount('BENCH_CONCURRENCY', 1);
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'workers.json');
const TENANT = 'bench';
const FINISHED = ['completed', 'partial', 'failed', 'cancelled'] as const;

interface Run {
  workers: number;
  wallMs: number;
  jobsPerMinute: number;
  completed: number;
  /** Jobs each worker process completed, by its name. */
  perWorker: Record<string, number>;
}

/** Runs the batch on `workers` fresh worker processes. */
async function measure(workers: number): Promise<Run> {
  const cluster = await openCluster('bench');
  try {
    step(`${workers} worker(s): seeding ${EVENTS} audit events`);
    await cluster.seedTenant(TENANT, EVENTS);
    const children = Array.from({ length: workers }, (_, i) =>
      cluster.spawnWorker({
        name: `W${i + 1}`,
        leaseSeconds: 30,
        concurrency: CONCURRENCY,
      }),
    );
    await Promise.all(children.map((c) => c.started()));

    step(`${workers} worker(s): ${JOBS} jobs`);
    const started = performance.now();
    const created: StoredJob[] = [];
    for (let i = 0; i < JOBS; i += 1) {
      created.push(await cluster.createJob(TENANT));
    }
    const finished: StoredJob[] = [];
    for (const job of created) {
      finished.push(
        await cluster.waitForStatus(TENANT, job.id, FINISHED, 600_000),
      );
    }
    const wallMs = performance.now() - started;
    await Promise.all(children.map((c) => c.stop()));
    return {
      workers,
      wallMs: Math.round(wallMs),
      jobsPerMinute: round((JOBS * 60_000) / wallMs),
      completed: finished.filter((j) => j.status === 'completed').length,
      perWorker: Object.fromEntries(
        children.map((c) => [c.name, c.events('job.completed').length]),
      ),
    };
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  if (!DATABASE_URL) {
    throw new Error('set DATABASE_URL: worker processes share PostgreSQL');
  }
  const startedAt = new Date();
  const one = await measure(1);
  const three = await measure(3);
  const ratio = round(three.jobsPerMinute / one.jobsPerMinute);
  const results = {
    startedAt: startedAt.toISOString(),
    machine: machineOf(),
    batch: { jobs: JOBS, eventsPerJob: EVENTS, concurrency: CONCURRENCY },
    runs: [one, three],
    ratio3to1: ratio,
  };
  console.log('');
  for (const run of results.runs) {
    console.log(
      `${run.workers} worker(s): ${run.completed}/${JOBS} completed in ` +
        `${(run.wallMs / 1000).toFixed(1)} s, ` +
        `${run.jobsPerMinute} jobs/min ${JSON.stringify(run.perWorker)}`,
    );
  }
  console.log(`3:1 throughput ratio: ${ratio}`);
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults written to ${RESULTS_FILE}`);
}

function toCount(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`${name} must be a positive integer: ${value}`);
  }
  return count;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
