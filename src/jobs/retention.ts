import type { AuditTrail } from '../audit/index.js';
import type { StorageSettings } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { ExportJob } from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import { jobQueries } from './repository.js';
import { settingsQueries } from '../settings/index.js';

const DAY_MS = 86_400_000;
const BATCH = 200;

/** How long each tenant's bundles are kept. */
export interface RetentionPolicy {
  /** Days for tenants without their own period. */
  days: number;
  /** Tenants with their own period, in days. */
  byTenant: Record<string, number>;
}

export function retentionFromConfig(storage: StorageSettings): RetentionPolicy {
  return { days: storage.retentionDays, byTenant: storage.retentionByTenant };
}

export function retentionDaysOf(
  policy: RetentionPolicy,
  tenantId: string,
): number {
  return policy.byTenant[tenantId] ?? policy.days;
}

/**
 * The operator's policy with the tenants' own periods over it: what a
 * tenant's admin set with PATCH /settings wins over DP_RETENTION_*.
 */
export function withTenantDays(
  policy: RetentionPolicy,
  own: Record<string, number>,
): RetentionPolicy {
  return { ...policy, byTenant: { ...policy.byTenant, ...own } };
}

/**
 * When a published job's bundle passes its tenant's retention period;
 * null for a job that published nothing.
 */
export function expiryOf(
  job: Pick<ExportJob, 'tenantId' | 'status' | 'finishedAt'>,
  policy: RetentionPolicy,
): Date | null {
  if (job.status !== 'completed' && job.status !== 'partial') return null;
  if (!job.finishedAt) return null;
  const days = retentionDaysOf(policy, job.tenantId);
  return new Date(job.finishedAt.getTime() + days * DAY_MS);
}

export interface RetentionDeps {
  db: Database;
  store: EvidenceStore;
  objects: ObjectStore;
  audit: AuditTrail;
  metrics: Metrics;
  logger: Logger;
}

export interface SweepResult {
  /** Bundles deleted and their jobs marked expired. */
  expired: number;
  /** Bundles that could not be deleted; tried again next time. */
  failed: number;
}

/**
 * Deletes the bundles of jobs past their tenant's retention period and
 * marks the jobs `expired`. S3 lifecycle rules, where the store has them,
 * delete the objects on their own schedule; this sweep is what marks the
 * jobs, and deletes everywhere lifecycle rules are missing (the local
 * folder, s3rver). Several workers may sweep at once: deleting twice is
 * harmless, and only one of them marks (and audits) each job.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** The period each tenant's storage was last prepared with. */
  private readonly prepared = new Map<string, number>();

  constructor(
    private readonly deps: RetentionDeps,
    private readonly policy: RetentionPolicy,
  ) {}

  /** Sweeps now, then every `intervalMs`, until stopped. */
  start(intervalMs: number): void {
    const tick = () => {
      this.running ??= this.runLogged().finally(
        () => (this.running = undefined),
      );
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep: tenants' storage prepared, expired bundles deleted. */
  async run(now = new Date()): Promise<SweepResult> {
    const policy = withTenantDays(
      this.policy,
      await settingsQueries.retentionDays(this.deps.db),
    );
    await this.prepareTenants(policy);
    const result: SweepResult = { expired: 0, failed: 0 };
    const tried = new Set<string>();
    for (;;) {
      const jobs = (
        await jobQueries.pastRetention(this.deps.db, now, policy, BATCH)
      ).filter((job) => !tried.has(job.id));
      if (jobs.length === 0) break;
      for (const job of jobs) {
        tried.add(job.id);
        if (await this.expire(job)) result.expired += 1;
        else result.failed += 1;
      }
    }
    return result;
  }

  /**
   * Applies each tenant's lifecycle rule: at the first sweep, for tenants
   * added since, and again when a tenant's period changed (a rule left at
   * a shorter period would delete bundles early).
   */
  private async prepareTenants(policy: RetentionPolicy): Promise<void> {
    for (const tenant of await this.deps.store.listTenants()) {
      const days = retentionDaysOf(policy, tenant.id);
      if (this.prepared.get(tenant.id) === days) continue;
      await this.deps.objects.prepareTenant(tenant.id, days);
      this.prepared.set(tenant.id, days);
    }
  }

  private async expire(job: ExportJob): Promise<boolean> {
    const { deps } = this;
    try {
      // The object goes first: a job marked expired whose bundle is still
      // stored would never be swept again.
      if (job.bundle) await deps.objects.delete(job.bundle.objectKey);
      const marked = await jobQueries.expire(deps.db, job.id);
      if (!marked) return true; // another sweeper got there first
      deps.metrics.retentionDeletions.inc({ outcome: 'deleted' });
      await deps.audit.record({
        tenantId: job.tenantId,
        actor: 'retention',
        action: 'bundle.expired',
        resource: `job/${job.id}`,
        outcome: 'success',
      });
      return true;
    } catch (error) {
      deps.metrics.retentionDeletions.inc({ outcome: 'failed' });
      deps.logger.warn(
        { event: 'retention.error', err: error, jobId: job.id },
        'cannot delete an expired bundle; the next sweep tries again',
      );
      return false;
    }
  }

  private async runLogged(): Promise<void> {
    try {
      const result = await this.run();
      if (result.expired > 0 || result.failed > 0) {
        this.deps.logger.info(
          { event: 'retention.swept', ...result },
          `retention: ${result.expired} bundles expired`,
        );
      }
    } catch (error) {
      this.deps.logger.warn(
        { event: 'retention.error', err: error },
        'the retention sweep failed; it runs again at the next interval',
      );
    }
  }
}
