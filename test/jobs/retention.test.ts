import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/index.js';
import {
  RetentionSweeper,
  type RetentionPolicy,
  type StoredJob,
} from '../../src/jobs/index.js';
import { SettingsStore } from '../../src/settings/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import { BACKENDS } from '../support/db.js';
import { openJobHarness, type JobHarness } from '../support/jobs.js';

const DAY_MS = 86_400_000;

describe.each(BACKENDS)('the retention sweep on %s', (backend) => {
  let h: JobHarness;
  let acme: StoredJob;
  let globex: StoredJob;
  // acme keeps bundles 30 days (the default), globex 90.
  const policy: RetentionPolicy = { days: 30, byTenant: { globex: 90 } };
  const sweeper = () =>
    new RetentionSweeper(
      {
        db: h.db,
        store: h.store,
        objects: h.objects,
        audit: new AuditTrail(h.store),
        metrics: h.metrics,
        logger: silentLogger(),
      },
      policy,
    );

  async function exportOf(tenantId: string): Promise<StoredJob> {
    const { job } = await h.jobs.createExport({
      tenantId,
      window: h.window,
      artifacts: ['audit-events'],
      requestedBy: `alice@${tenantId}.example`,
      idempotencyKey: null,
    });
    return h.waitFor(job.id, ['completed', 'partial'], { tenantId });
  }

  beforeAll(async () => {
    h = await openJobHarness(backend, 'retention');
    await h.startWorker();
    acme = await exportOf('acme');
    globex = await exportOf('globex');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const bundleStored = (job: StoredJob) =>
    h.objects.head(job.bundle?.objectKey ?? '');

  it('keeps every bundle within its retention period', async () => {
    const result = await sweeper().run(new Date(Date.now() + 29 * DAY_MS));
    expect(result).toEqual({ expired: 0, failed: 0 });
    expect(await bundleStored(acme)).not.toBeNull();
  });

  describe('past the default period but within a longer one', () => {
    let result: { expired: number; failed: number };

    beforeAll(async () => {
      result = await sweeper().run(new Date(Date.now() + 31 * DAY_MS));
    });

    it('deletes the bundle of the default tenant and marks its job expired', async () => {
      expect(result).toEqual({ expired: 1, failed: 0 });
      expect(await bundleStored(acme)).toBeNull();
      const job = await h.jobs.get('acme', acme.id);
      expect(job.status).toBe('expired');
      expect(job.expiredAt).toBeInstanceOf(Date);
      // What the bundle was stays on record; its signature goes with it.
      expect(job.bundle?.sha512).toBe(acme.bundle?.sha512);
      expect(job.bundle?.signature).toBeUndefined();
      const history = await h.jobs.history('acme', acme.id);
      expect(history.at(-1)).toMatchObject({
        from: 'completed',
        to: 'expired',
      });
    });

    it('keeps the bundle of the tenant with its own longer period', async () => {
      expect(await bundleStored(globex)).not.toBeNull();
      const job = await h.jobs.get('globex', globex.id);
      expect(job.status).toBe(globex.status);
    });

    it('writes the expiry to the tenant audit trail and counts it', async () => {
      const { rows } = await h.db.query<{ actor: string; resource: string }>(
        `SELECT actor, resource FROM audit_events
         WHERE tenant_id = 'acme' AND action = 'bundle.expired'`,
      );
      expect(rows).toEqual([
        { actor: 'retention', resource: `job/${acme.id}` },
      ]);
      const metric = await h.metrics.retentionDeletions.get();
      expect(metric.values).toEqual([
        expect.objectContaining({ labels: { outcome: 'deleted' }, value: 1 }),
      ]);
    });

    it('does nothing more when run again', async () => {
      const again = await sweeper().run(new Date(Date.now() + 31 * DAY_MS));
      expect(again).toEqual({ expired: 0, failed: 0 });
    });
  });

  it("lets a tenant's own setting win over the operator's period", async () => {
    // globex's admin shortens its period to 10 days (PATCH /settings).
    await new SettingsStore(h.db).update(
      'globex',
      { retentionDays: 10 },
      'admin@globex',
    );
    try {
      const result = await sweeper().run(new Date(Date.now() + 11 * DAY_MS));
      expect(result).toEqual({ expired: 1, failed: 0 });
      expect(await bundleStored(globex)).toBeNull();
    } finally {
      await new SettingsStore(h.db).update(
        'globex',
        { retentionDays: null },
        'admin@globex',
      );
    }
  });

  it('expires the longer-kept bundle once its own period ends', async () => {
    globex = await exportOf('globex');
    expect(
      (await sweeper().run(new Date(Date.now() + 89 * DAY_MS))).expired,
    ).toBe(0);
    const result = await sweeper().run(new Date(Date.now() + 91 * DAY_MS));
    expect(result).toEqual({ expired: 1, failed: 0 });
    expect(await bundleStored(globex)).toBeNull();
    expect((await h.jobs.get('globex', globex.id)).status).toBe('expired');
  });
});
