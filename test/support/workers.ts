import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import { openRuntime, type Runtime } from '../../src/cli/runtime.js';
import { PACKAGE_ROOT } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config/index.js';
import type { AuditEvent, JobStatus } from '../../src/domain/index.js';
import {
  JobService,
  startQueue,
  type StoredJob,
} from '../../src/jobs/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import { aKubernetesEventLine } from './builders.js';
import { DATABASE_URL, dropSchemas, uniqueSchema } from './db.js';

/** The day every seeded audit event falls in, half-open. */
export const SEEDED_WINDOW = {
  from: new Date('2026-01-01T00:00:00Z'),
  to: new Date('2026-01-02T00:00:00Z'),
};

const CLI_ENTRY = path.join(PACKAGE_ROOT, 'test', 'support', 'cli-entry.ts');

/** One JSON log line of a worker process. */
export type LogLine = Record<string, unknown> & { event?: string };

export interface WorkerOptions {
  /** Names the process in failure messages ("A", "B"…). */
  name: string;
  /** DP_FAILPOINTS, such as `publish.before=kill`. */
  failpoints?: string;
  leaseSeconds?: number;
  concurrency?: number;
  /** DP_METRICS_PORT: 0 for any free port (its URL is logged). */
  metricsPort?: number;
}

/** How a worker process ended, and when (Date.now()). */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * A `disclosure-packager worker` child process, run from source with tsx,
 * logging JSON lines that the test reads as they come.
 */
export class WorkerChild {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<WorkerExit>;
  exit: WorkerExit | undefined;
  private output = '';
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.output = (this.output + text).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        this.notify();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** The lease owner this process writes on the jobs it claims. */
  get owner(): string | undefined {
    return this.logs.find((l) => l.event === 'worker.started')?.owner as
      string | undefined;
  }

  /** Log lines of one event, for one job when `jobId` is given. */
  events(event: string, jobId?: string): LogLine[] {
    return this.logs.filter(
      (l) => l.event === event && (jobId === undefined || l.jobId === jobId),
    );
  }

  /** Waits for a log line; fails with the process's last words if none. */
  async waitForLog(
    match: (line: LogLine) => boolean,
    timeoutMs = 30_000,
  ): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found) return found;
      if (!this.alive || Date.now() > deadline) {
        throw new Error(
          `worker ${this.name} (pid ${this.pid}) ` +
            `${this.alive ? 'never logged it' : 'exited'}; stderr: ` +
            `${this.output || '(none)'}; last log: ` +
            JSON.stringify(this.logs.slice(-3)),
        );
      }
      await this.nextChange(deadline - Date.now());
    }
  }

  /** Waits until the worker polls the queue. */
  async started(): Promise<void> {
    await this.waitForLog((l) => l.event === 'worker.started', 60_000);
  }

  /** SIGKILL, by pid, if still alive. */
  kill(): void {
    if (this.alive) process.kill(this.pid, 'SIGKILL');
  }

  /** SIGTERM and wait for the graceful exit; SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<WorkerExit> {
    if (this.alive) process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private take(line: string): void {
    if (!line.startsWith('{')) return;
    try {
      this.logs.push(JSON.parse(line) as LogLine);
      this.notify();
    } catch {
      // A line that is not JSON is the CLI talking to people.
    }
  }

  private notify(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(ms, 0));
      this.waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * One PostgreSQL schema and one data directory (signing key, object
 * store) shared by this test process, which seeds evidence and creates
 * jobs, and by the worker processes it spawns.
 */
export interface Cluster {
  dataDir: string;
  objectsDir: string;
  schema: string;
  runtime: Runtime;
  boss: PgBoss;
  jobs: JobService;
  spawnWorker(options: WorkerOptions): WorkerChild;
  /** Adds a tenant holding `events` audit events in SEEDED_WINDOW. */
  seedTenant(tenantId: string, events: number): Promise<void>;
  /** An export of the tenant's audit events in SEEDED_WINDOW. */
  createJob(tenantId: string): Promise<StoredJob>;
  getJob(tenantId: string, jobId: string): Promise<StoredJob>;
  /** Polls a job until it has one of `statuses`, or throws. */
  waitForStatus(
    tenantId: string,
    jobId: string,
    statuses: readonly JobStatus[],
    timeoutMs: number,
  ): Promise<StoredJob>;
  close(): Promise<void>;
}

export async function openCluster(prefix: string): Promise<Cluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `dp-${prefix}-`));
  const schema = uniqueSchema(prefix);
  const config = loadConfig(
    {
      dataDir,
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      seedDemo: false,
      apiTokens: [],
    },
    {},
  );
  // Opening the runtime here migrates the schema and creates the signing
  // key before any worker starts, so that workers never race for either.
  const runtime = await openRuntime(config, silentLogger());
  const boss = await startQueue(runtime.db, () => undefined);
  const jobs = new JobService(runtime.db, boss, {
    maxWindowDays: 400,
    maxActivePerTenant: 1000,
    maxAttempts: 5,
  });
  const children: WorkerChild[] = [];
  const killAll = () => children.forEach((c) => c.kill());
  process.once('exit', killAll);

  const getJob = (tenantId: string, jobId: string) => jobs.get(tenantId, jobId);
  return {
    dataDir,
    objectsDir: path.join(dataDir, 'objects'),
    schema,
    runtime,
    boss,
    jobs,
    spawnWorker: (options) => {
      const child = spawnWorkerProcess(options, {
        DATABASE_URL,
        DP_DATABASE_SCHEMA: schema,
        DP_DATA_DIR: dataDir,
      });
      children.push(child);
      return child;
    },
    seedTenant: async (tenantId, events) => {
      await runtime.store.saveTenant({
        id: tenantId,
        name: `Tenant ${tenantId}`,
        sample: false,
      });
      const batch = Array.from({ length: events }, (_, i) =>
        anAuditEvent(tenantId, i),
      );
      await runtime.store.addAuditEvents(batch);
    },
    createJob: async (tenantId) => {
      const { job } = await jobs.createExport({
        tenantId,
        window: SEEDED_WINDOW,
        artifacts: ['audit-events'],
        requestedBy: 'test',
        idempotencyKey: null,
      });
      return job;
    },
    getJob,
    waitForStatus: async (tenantId, jobId, statuses, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await getJob(tenantId, jobId);
        if (statuses.includes(job.status)) return job;
        if (Date.now() > deadline) {
          throw new Error(
            `job ${jobId} is still ${job.status} after ${timeoutMs} ms ` +
              `(attempts ${job.attempts}, error ${JSON.stringify(job.error)})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: async () => {
      killAll();
      await Promise.all(children.map((c) => c.exited));
      process.off('exit', killAll);
      await boss.stop({ graceful: false, wait: true });
      await runtime.close();
      await dropSchemas(schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function spawnWorkerProcess(
  options: WorkerOptions,
  shared: Record<string, string | undefined>,
): WorkerChild {
  // Nothing of the runner's own DP_* settings leaks into a worker.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DP_')),
  );
  const env = {
    ...inherited,
    ...shared,
    DP_LOG_FORMAT: 'json',
    DP_LOG_LEVEL: 'info',
    DP_JOB_LEASE_SECONDS: String(options.leaseSeconds ?? 3),
    DP_WORKER_CONCURRENCY: String(options.concurrency ?? 1),
    DP_FAILPOINTS: options.failpoints ?? '',
    DP_SHUTDOWN_GRACE_SECONDS: '1',
    ...(options.metricsPort !== undefined && {
      DP_METRICS_PORT: String(options.metricsPort),
    }),
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI_ENTRY, 'worker'],
    { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new WorkerChild(options.name, child);
}

/** One Kubernetes audit event of the tenant, a second apart from the last. */
export function anAuditEvent(tenantId: string, index: number): AuditEvent {
  const at = new Date(SEEDED_WINDOW.from.getTime() + index * 1000);
  const id = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
  const name = `web-${index.toString(36)}`;
  return {
    tenantId,
    eventTime: at,
    id,
    actor: 'system:serviceaccount:ci:deployer',
    action: 'get',
    resource: 'pods',
    outcome: '200',
    sourceFormat: 'kubernetes-audit',
    sourceName: 'audit.jsonl',
    original: aKubernetesEventLine({
      auditID: id,
      level: 'Metadata',
      verb: 'get',
      requestURI: `/api/v1/namespaces/default/pods/${name}`,
      user: { username: 'system:serviceaccount:ci:deployer' },
      objectRef: { resource: 'pods', namespace: 'default', name },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: at.toISOString(),
    }),
  };
}

/** Every file below `dir`, dot files included, relative to it; [] if none. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {
    recursive: true,
    withFileTypes: true,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The SHA-512 of a file, in hex. */
export async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
