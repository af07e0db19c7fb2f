import { Router } from 'express';
import type { EvidenceStore } from '../../evidence/index.js';
import type { FeatureFlags } from '../../flags/index.js';
import { principalOf } from '../auth.js';

/**
 * GET /me: who the token speaks for. There are no roles yet, and every
 * token may export, so each caller is an "exporter"; `roleNote` says so
 * rather than let the UI suggest a permission model that does not exist.
 */
export function meRoutes(store: EvidenceStore, flags: FeatureFlags): Router {
  const router = Router();
  router.get('/me', async (req, res) => {
    const { tenantId, subject } = principalOf(req);
    const tenant = await store.getTenant(tenantId);
    res.set('Cache-Control', 'private, no-store');
    res.json({
      tenantId,
      subject,
      role: 'exporter',
      roleNote:
        'roles are not in place yet: every API token may export for its tenant',
      tenants: tenant ? [{ id: tenant.id, name: tenant.name }] : [],
      features: {
        ui: await flags.isEnabled('disclosurePackager.ui', tenantId),
        api: await flags.isEnabled('disclosurePackager.api', tenantId),
      },
    });
  });
  return router;
}
