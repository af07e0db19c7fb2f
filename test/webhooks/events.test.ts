import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/index.js';
import { LinkSigner } from '../../src/auth/index.js';
import type { ArtifactKind } from '../../src/domain/index.js';
import { jobQueries } from '../../src/jobs/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import {
  WebhookDispatcher,
  WebhookEmitter,
  WebhookService,
  createDeliveryQueue,
  type ExportEvent,
} from '../../src/webhooks/index.js';
import { BACKENDS } from '../support/db.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { readZipEntries } from '../support/zip.js';
import { LOOPBACK_ALLOWED, fastWebhookSettings } from './harness.js';

const ALL: ArtifactKind[] = [
  'audit-events',
  'sboms',
  'attestations',
  'signatures',
  'policy-reports',
];

const sha512 = (bytes: Buffer) =>
  createHash('sha512').update(bytes).digest('hex');

describe.each(BACKENDS)('webhook events of export jobs on %s', (backend) => {
  let h: JobHarness;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;
  let emitter: WebhookEmitter;
  let links: LinkSigner;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await openJobHarness(backend, 'whevents');
    await createDeliveryQueue(h.boss);
    const queue = { boss: h.boss, db: h.db };
    links = new LinkSigner(randomBytes(32), 3600);
    emitter = new WebhookEmitter({
      queue,
      links,
      publicUrl: () => 'https://packager.example/',
    });
    dispatcher = new WebhookDispatcher(
      {
        queue,
        urlPolicy: LOOPBACK_ALLOWED,
        metrics: h.metrics,
        logger: silentLogger(),
        audit: new AuditTrail(h.store),
      },
      fastWebhookSettings(),
    );
    await dispatcher.start();
    const subscribe = async (
      tenantId: string,
      at: string,
      events: ExportEvent['type'][],
    ) => {
      const service = new WebhookService(h.db, tenantId, LOOPBACK_ALLOWED, {
        boss: h.boss,
      });
      const { secret } = await service.create({
        url: receiver.url(at),
        events,
        enabled: true,
        createdBy: 'admin',
      });
      secrets[at] = secret;
    };
    await subscribe('acme', '/acme', [
      'disclosure.export.ready',
      'disclosure.export.partial',
      'disclosure.export.failed',
    ]);
    await subscribe('acme', '/acme-failures', ['disclosure.export.failed']);
    await subscribe('globex', '/globex', ['disclosure.export.ready']);
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await h?.close();
    await receiver?.close();
  });

  /** Runs one export of acme to its end with a worker set up as told. */
  async function settledExport(
    worker: Parameters<JobHarness['startWorker']>[0] = {},
  ) {
    const running = await h.startWorker({ ...worker, events: emitter });
    try {
      const { job } = await h.jobs.createExport({
        tenantId: 'acme',
        window: h.window,
        artifacts: ALL,
        requestedBy: 'alice@acme.example',
        idempotencyKey: null,
      });
      return await h.waitFor(job.id, ['completed', 'partial', 'failed']);
    } finally {
      await running.stop(0);
    }
  }

  /** The event acme's endpoint got for a job, its signature checked. */
  async function eventFor(jobId: string, at = '/acme'): Promise<ExportEvent> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const hit = receiver
        .received(at)
        .find((r) => r.body.toString('utf8').includes(jobId));
      if (hit) {
        const hook = new Webhook(secrets[at] as string);
        return hook.verify(hit.body, hit.headers) as ExportEvent;
      }
      if (Date.now() > deadline) throw new Error(`no event for ${jobId}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('announces a completed export as ready, with digests of the bundle itself', async () => {
    const job = await settledExport();
    expect(job.status).toBe('completed');
    const { type, data } = await eventFor(job.id);
    expect(type).toBe('disclosure.export.ready');
    expect(data).toMatchObject({
      jobId: job.id,
      tenantId: 'acme',
      status: 'completed',
      window: {
        from: h.window.from.toISOString(),
        to: h.window.to.toISOString(),
      },
      artifacts: ALL,
      manifest: { kinds: job.kinds, counts: job.counts },
      error: null,
      jobUrl: `https://packager.example/jobs/${job.id}`,
    });

    // The digests are those of the stored bytes, not of the job row.
    const stream = await h.objects.get(job.bundle?.objectKey as string);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const zip = Buffer.concat(chunks);
    expect(data.bundle?.sha512).toBe(sha512(zip));
    expect(data.bundle?.size).toBe(zip.length);
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'dp-whev-'));
    try {
      await writeFile(path.join(scratch, 'b.zip'), zip);
      const entries = await readZipEntries(path.join(scratch, 'b.zip'));
      expect(data.checksumIndex).toEqual({
        path: 'SHA512SUMS',
        sha512: sha512(entries.get('SHA512SUMS') as Buffer),
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }

    // The link is signed for this job's bundle and expires in an hour.
    const link = new URL(data.bundle?.downloadUrl as string);
    expect(link.origin + link.pathname).toBe(
      `https://packager.example/jobs/${job.id}/bundle`,
    );
    const grant = links.verify({
      jobId: job.id,
      file: 'bundle',
      tenant: link.searchParams.get('tenant'),
      expires: link.searchParams.get('expires'),
      sig: link.searchParams.get('sig'),
    });
    expect(grant.tenantId).toBe('acme');
    expect(data.bundle?.downloadUrlExpiresAt).toBe(
      grant.expiresAt.toISOString(),
    );
    expect(grant.expiresAt.getTime() - Date.now()).toBeGreaterThan(3500_000);
  });

  it('stores the event in the transaction that settles the job', async () => {
    const job = await settledExport();
    await eventFor(job.id);
    // now() is the transaction's start: equal times, one transaction.
    const { rows } = await h.db.query<{ same: boolean }>(
      `SELECT m.created_at = j.finished_at AS same
       FROM webhook_messages m JOIN export_jobs j ON j.id = m.job_id
       WHERE j.id = $1`,
      [job.id],
    );
    expect(rows).toEqual([{ same: true }]);
  });

  it('announces a partial export, naming the omitted kind', async () => {
    const job = await settledExport({ faults: 'fetch.policy-reports=fail' });
    expect(job.status).toBe('partial');
    const { type, data } = await eventFor(job.id);
    expect(type).toBe('disclosure.export.partial');
    expect(data.manifest.kinds['policy-reports']).toMatchObject({
      status: 'omitted',
      reason: { code: 'DP_SOURCE_UNAVAILABLE' },
    });
    expect(data.bundle?.sha512).toBe(job.bundle?.sha512);
  });

  it('announces a failed export, with its error and no bundle', async () => {
    const job = await settledExport({ bundleMaxBytes: 2048 });
    expect(job.status).toBe('failed');
    const { type, data } = await eventFor(job.id);
    expect(type).toBe('disclosure.export.failed');
    expect(data.error?.code).toBe('DP_BUNDLE_TOO_LARGE');
    expect(data.bundle).toBeNull();
    expect(data.checksumIndex).toBeNull();
    // The endpoint subscribed to failures alone got this one only.
    await eventFor(job.id, '/acme-failures');
    const failures = receiver.received('/acme-failures');
    expect(failures).toHaveLength(1);
  });

  it('announces a job the reaper fails, its worker gone', async () => {
    const { job } = await h.jobs.createExport({
      tenantId: 'acme',
      window: h.window,
      artifacts: ['sboms'],
      requestedBy: 'alice@acme.example',
      idempotencyKey: null,
    });
    await h.db.query('UPDATE export_jobs SET max_attempts = 1 WHERE id = $1', [
      job.id,
    ]);
    // A worker took it and died at once: its lease runs out in 1 ms.
    expect(
      await jobQueries.claim(h.db, 'acme', job.id, 'dead-worker', 1),
    ).not.toBeNull();
    const reaper = await h.startWorker({ events: emitter });
    try {
      const { type, data } = await eventFor(job.id);
      expect(type).toBe('disclosure.export.failed');
      expect(data.error?.code).toBe('DP_WORKER_LOST');
    } finally {
      await reaper.stop(0);
    }
  });

  it("sends nothing to another tenant's endpoint", () => {
    expect(receiver.received('/acme').length).toBeGreaterThanOrEqual(5);
    expect(receiver.received('/globex')).toEqual([]);
  });
});
