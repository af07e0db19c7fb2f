import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { loadConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/index.js';
import type { JobStatus } from '../../src/domain/index.js';
import { EvidenceStore, seedDemoTenants } from '../../src/evidence/index.js';
import {
  ExportWorker,
  Failpoints,
  JobService,
  startQueue,
  type JobEvents,
  type StoredJob,
  type WorkerSettings,
} from '../../src/jobs/index.js';
import { PACKAGE_ROOT } from '../../src/cli/serve.js';
import {
  Keyring,
  loadOrCreateEmbeddedSigner,
  type Signer,
} from '../../src/signing/index.js';
import type { ProvenanceStore } from '../../src/provenance/index.js';
import type { RedactionPolicies } from '../../src/redaction/index.js';
import { LocalObjectStore } from '../../src/storage/index.js';
import { Metrics, silentLogger } from '../../src/telemetry/index.js';
import { disposeTestDatabase, openTestDatabase } from './db.js';

/**
 * The job system in one test process: a migrated database with the demo
 * tenants, the queue, a job service and workers built on demand, each
 * with its own settings and injected faults.
 */
export interface JobHarness {
  db: Database;
  boss: PgBoss;
  store: EvidenceStore;
  objects: LocalObjectStore;
  objectsDir: string;
  signer: Signer;
  metrics: Metrics;
  jobs: JobService;
  /** A window holding all the demo evidence. */
  window: { from: Date; to: Date };
  startWorker(
    options?: {
      faults?: string | Failpoints;
      policies?: RedactionPolicies;
      provenance?: ProvenanceStore;
      events?: JobEvents;
      jurisdictionsOf?: (tenantId: string) => Promise<readonly string[]>;
    } & Partial<WorkerSettings>,
  ): Promise<ExportWorker>;
  /** Polls a job (of acme, unless told) until it reaches a status. */
  waitFor(
    jobId: string,
    statuses: JobStatus[],
    options?: { timeoutMs?: number; tenantId?: string },
  ): Promise<StoredJob>;
  /** Files below the object store's folder, relative to it. */
  files(): Promise<string[]>;
  close(): Promise<void>;
}

/** Fast settings for tests: short leases, quick retries. */
export function testSettings(
  overrides: Partial<WorkerSettings> = {},
): WorkerSettings {
  return {
    ...loadConfig({}, {}).jobs,
    leaseSeconds: 2,
    retryBaseSeconds: 0.05,
    retryMaxSeconds: 0.2,
    sourceRetryBaseMs: 5,
    shutdownGraceSeconds: 0.2,
    concurrency: 1,
    ...overrides,
  };
}

export async function openJobHarness(
  backend: 'pglite' | 'postgres',
  prefix: string,
  limits: Partial<WorkerSettings> = {},
): Promise<JobHarness> {
  const db = await openTestDatabase(backend, prefix);
  const scratch = await mkdtemp(path.join(os.tmpdir(), `dp-${prefix}-`));
  const objectsDir = path.join(scratch, 'objects');
  const objects = new LocalObjectStore(objectsDir);
  const store = new EvidenceStore(db);
  const now = new Date();
  await seedDemoTenants({ store, objects, packageRoot: PACKAGE_ROOT, now });
  const embedded = await loadOrCreateEmbeddedSigner({
    dir: path.join(scratch, 'keys'),
  });
  const { signer } = embedded;
  const keys = new Keyring(db, embedded.password);
  await keys.adopt(signer, embedded.encryptedPem, 'embedded', embedded.since);
  const metrics = new Metrics({ defaults: false });
  const boss = await startQueue(db, () => undefined);
  const settings = testSettings(limits);
  const jobs = new JobService(db, boss, settings, metrics);
  const workers: ExportWorker[] = [];
  return {
    db,
    boss,
    store,
    objects,
    objectsDir,
    signer,
    metrics,
    jobs,
    window: {
      from: new Date(now.getTime() - 60 * 24 * 3600 * 1000),
      to: new Date(now.getTime() + 24 * 3600 * 1000),
    },
    startWorker: async ({
      faults,
      policies,
      provenance,
      events,
      jurisdictionsOf,
      ...overrides
    } = {}) => {
      const worker = new ExportWorker(
        {
          db,
          boss,
          store,
          objects,
          keys,
          metrics,
          logger: silentLogger(),
          faults: typeof faults === 'string' ? new Failpoints(faults) : faults,
          policies,
          provenance,
          events,
          jurisdictionsOf,
        },
        { ...settings, ...overrides },
      );
      await worker.start();
      workers.push(worker);
      jobs.onEnqueued = () => workers.forEach((w) => w.wake());
      return worker;
    },
    waitFor: async (jobId, statuses, options = {}) => {
      const timeoutMs = options.timeoutMs ?? 20_000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await jobs.get(options.tenantId ?? 'acme', jobId);
        if (statuses.includes(job.status)) return job;
        if (Date.now() > deadline) {
          throw new Error(
            `job ${jobId} is still ${job.status} (${JSON.stringify(job.error)})` +
              ` after ${timeoutMs} ms; wanted ${statuses.join(' or ')}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    files: async () => (await filesUnder(objectsDir, objectsDir)).sort(),
    close: async () => {
      await Promise.all(workers.map((w) => w.stop(0)));
      await boss.stop({ graceful: false, wait: true });
      await disposeTestDatabase(db);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Every file under `dir`, relative to `root`. Workers delete staging folders
 * while a test looks, so a folder that vanishes mid-walk counts as empty
 * (a recursive readdir would fail with ENOENT instead).
 */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const nested = await Promise.all(
    entries.map(async (e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return filesUnder(root, full);
      return e.isFile() ? [path.relative(root, full)] : [];
    }),
  );
  return nested.flat();
}
