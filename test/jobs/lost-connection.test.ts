import path from 'node:path';
import { Writable } from 'node:stream';
import type PgBoss from 'pg-boss';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type VerifyReport } from '../../src/bundle/index.js';
import { loadConfig } from '../../src/config/index.js';
import { openRuntime, type Runtime } from '../../src/cli/runtime.js';
import {
  ExportWorker,
  Failpoints,
  startQueue,
  type StoredJob,
} from '../../src/jobs/index.js';
import { DATABASE_URL } from '../support/db.js';
import { TcpProxy } from '../support/tcpproxy.js';
import {
  SEEDED_WINDOW,
  openCluster,
  type Cluster,
  type LogLine,
} from '../support/workers.js';

const TENANT = 'lost';
// Enough events that streaming them takes a while: the third cut lands
// while pages of them are being read.
const EVENTS = 20_000;
const FINISHED = ['completed', 'partial', 'failed', 'cancelled'] as const;

/** A logger whose lines the test reads, and a way to wait for one. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as LogLine);
      done();
    },
  });
  const waitFor = async (
    match: (l: LogLine) => boolean,
    timeoutMs = 20_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    while (!lines.some(match)) {
      if (Date.now() > deadline) {
        throw new Error(
          `never logged; last: ${JSON.stringify(lines.slice(-3))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { logger: pino({ level: 'info' }, sink), lines, waitFor };
}

// The worker runs in this process, its every connection to PostgreSQL
// going through a proxy that the test cuts while the job is running.
describe.skipIf(!DATABASE_URL)(
  'a worker that loses its database connections mid-job',
  () => {
    let cluster: Cluster;
    let proxy: TcpProxy;
    let runtime: Runtime;
    let boss: PgBoss;
    let worker: ExportWorker;
    const log = capturingLogger();
    const cuts: { live: number; acceptedBefore: number }[] = [];
    let acceptedAfter = 0;
    let job: StoredJob;
    let report: VerifyReport;

    beforeAll(async () => {
      cluster = await openCluster('lostconn');
      await cluster.seedTenant(TENANT, EVENTS);
      const target = new URL(DATABASE_URL as string);
      proxy = await TcpProxy.start({
        host: target.hostname,
        port: Number(target.port || 5432),
      });
      // The worker's parts as `worker` builds them, but on the proxy.
      runtime = await openRuntime(
        loadConfig(
          {
            dataDir: cluster.dataDir,
            databaseUrl: proxy.urlFor(DATABASE_URL as string),
            databaseSchema: cluster.schema,
            seedDemo: false,
            apiTokens: [],
          },
          {},
        ),
        log.logger,
      );
      boss = await startQueue(runtime.db, () => undefined);
      // The sboms source fails twice, each time waiting a second or more
      // before its retry: the windows in which the connections are cut.
      worker = new ExportWorker(
        { ...runtime, boss, faults: new Failpoints('fetch.sboms=fail(2)') },
        {
          ...runtime.config.jobs,
          leaseSeconds: 3,
          sourceRetryBaseMs: 2000,
          concurrency: 1,
        },
      );
      await worker.start();

      const { job: created } = await cluster.jobs.createExport({
        tenantId: TENANT,
        window: SEEDED_WINDOW,
        artifacts: ['audit-events', 'sboms'],
        requestedBy: 'test',
        idempotencyKey: null,
      });
      // Two cuts while the source waits for its retries…
      for (const n of [1, 2]) {
        await log.waitFor(
          (l) =>
            l.event === 'job.source-retry' &&
            log.lines.filter((x) => x.event === 'job.source-retry').length >= n,
        );
        cuts.push({ live: proxy.cutAll(), acceptedBefore: proxy.accepted });
      }
      // …and one while pages of audit events are being read.
      await waitForStreaming(created.id);
      cuts.push({ live: proxy.cutAll(), acceptedBefore: proxy.accepted });
      job = await cluster.waitForStatus(TENANT, created.id, FINISHED, 60_000);
      acceptedAfter = proxy.accepted;
      const file = path.join(
        cluster.objectsDir,
        'bundles',
        TENANT,
        `${job.id}.zip`,
      );
      report = await verifyBundle(file);
      const errors = log.lines.filter(
        (l) =>
          l.event === 'worker.error' ||
          (l.event === 'job.source-retry' && l.kind === 'audit-events'),
      );
      console.log(
        `cut ${cuts.map((c) => c.live).join(' + ')} live connections; job ` +
          `${job.status} after ${job.attempts} attempt(s); ` +
          `${errors.length} worker.error or audit retry lines: ` +
          JSON.stringify(errors.map((l) => l.msg)),
      );
    }, 90_000);
    afterAll(async () => {
      await worker?.stop(0);
      await boss?.stop({ graceful: false, wait: true });
      await runtime?.close();
      await proxy?.close();
      await cluster?.close();
    });

    /**
     * Polls the job row until the audit events are being read. The stage is
     * saved as it starts; progress within it only twice a second, too
     * seldom for a stream this short.
     */
    async function waitForStreaming(jobId: string): Promise<void> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { progress } = await cluster.getJob(TENANT, jobId);
        if (progress.kind === 'audit-events') return;
        if (Date.now() > deadline) {
          throw new Error(`never streamed: ${JSON.stringify(progress)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('had live connections to cut, each time', () => {
      expect(cuts.map((c) => c.live > 0)).toEqual([true, true, true]);
    });

    it('reconnects after the cut', () => {
      const last = cuts.at(-1)?.acceptedBefore ?? Infinity;
      expect(acceptedAfter).toBeGreaterThan(last);
    });

    it('finishes the job completed', () => {
      expect(job.status).toBe('completed');
      expect(job.error).toBe(null);
    });

    it('records the two retries of the source that failed twice', () => {
      expect(job.kinds.sboms?.retries).toBe(2);
      expect(job.kinds.sboms?.status).toBe('empty');
      expect(job.counts['audit-events']).toBe(EVENTS);
    });

    it('publishes a bundle that verifies', () => {
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    });
  },
);
