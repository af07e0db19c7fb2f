import { Router, type Request } from 'express';
import { ARTIFACT_KINDS, PackagerError, toWindow } from '../../domain/index.js';
import type { EvidenceStore } from '../../evidence/index.js';
import { principalOf } from '../auth.js';
import type { TenantScopes } from '../scope.js';
import { tenantForCaller } from '../tenants.js';

const PARAMS = ['tenantId', 'from', 'to'] as const;

/**
 * GET /disclosures/estimate: how many items of each kind a window holds,
 * and their bytes, from the evidence index alone (one count query per
 * kind, no evidence read), so the UI can ask on every change of window.
 * The counts run in the tenant's scope (row-level security).
 */
export function estimateRoutes(
  store: EvidenceStore,
  scopes: TenantScopes,
): Router {
  const router = Router();
  router.get('/disclosures/estimate', async (req, res) => {
    const principal = principalOf(req);
    const query = queryOf(req);
    const window = toWindow(query.from, query.to);

    const tenant = await tenantForCaller(store, principal, query.tenantId);

    const { evidence } = scopes(tenant.id);
    const kinds: Record<string, { items: number; bytes: number }> = {};
    for (const kind of ARTIFACT_KINDS) {
      kinds[kind] = await evidence.countKind(tenant.id, kind, window);
    }
    res.set('Cache-Control', 'private, no-store');
    res.json({
      tenantId: tenant.id,
      dateRange: {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
      },
      kinds,
    });
  });
  return router;
}

function queryOf(req: Request): Record<(typeof PARAMS)[number], string> {
  const query = req.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter(
    (k) => !PARAMS.includes(k as (typeof PARAMS)[number]),
  );
  const missing = PARAMS.filter((p) => typeof query[p] !== 'string');
  if (unknown.length > 0 || missing.length > 0) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `give tenantId, from and to once each, and nothing else` +
        (missing.length > 0
          ? `; missing or repeated: ${missing.join(', ')}`
          : '') +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''),
    );
  }
  return query as Record<(typeof PARAMS)[number], string>;
}
