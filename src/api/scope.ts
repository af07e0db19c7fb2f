import type { AuditTrail } from '../audit/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { JobService } from '../jobs/index.js';
import type { SettingsStore } from '../settings/index.js';
import type { ProvenanceStore } from '../provenance/index.js';
import type { WebhookService } from '../webhooks/index.js';

/**
 * What a request may use of the database, for its caller's tenant only:
 * services built on a tenant-scoped connection (row-level security), so
 * that a route forgetting a filter still cannot reach another tenant.
 */
export interface TenantScope {
  jobs: JobService;
  audit: AuditTrail;
  /** The tenant's evidence index, for reads. */
  evidence: EvidenceStore;
  settings: SettingsStore;
  provenance: ProvenanceStore;
  webhooks: WebhookService;
}

export type TenantScopes = (tenantId: string) => TenantScope;
