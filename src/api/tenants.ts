import { PackagerError, type Tenant } from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { Principal } from './auth.js';

/**
 * The tenant a request names, when the caller may act for it. Another
 * tenant's id answers exactly as an unknown one does, so a token cannot
 * learn which tenants exist.
 */
export async function tenantForCaller(
  store: EvidenceStore,
  principal: Principal,
  tenantId: string,
): Promise<Tenant> {
  const tenant =
    tenantId === principal.tenantId ? await store.getTenant(tenantId) : null;
  if (!tenant) {
    throw new PackagerError(
      'DP_TENANT_UNKNOWN',
      'no such tenant for this token',
    );
  }
  return tenant;
}
