import { Router } from 'express';
import {
  parseSettingsPatch,
  type TenantSettings,
} from '../../settings/index.js';
import { principalOf } from '../auth.js';
import { jsonBodyOf } from '../problem.js';
import type { TenantScopes } from '../scope.js';

/**
 * GET /settings and PATCH /settings: the caller's tenant's settings. Every
 * change is written to the tenant's audit trail with the fields it named.
 */
export function settingsRoutes(scopes: TenantScopes): Router {
  const router = Router();
  router.get('/settings', async (req, res) => {
    const { tenantId } = principalOf(req);
    const settings = await scopes(tenantId).settings.get(tenantId);
    res.set('Cache-Control', 'private, no-store');
    res.json(toView(settings));
  });

  router.patch('/settings', async (req, res) => {
    const principal = principalOf(req);
    const patch = parseSettingsPatch(jsonBodyOf(req));
    const scope = scopes(principal.tenantId);
    const settings = await scope.settings.update(
      principal.tenantId,
      patch,
      principal.subject,
    );
    await scope.audit.record({
      tenantId: principal.tenantId,
      actor: principal.subject,
      action: 'settings.changed',
      resource: `settings/${Object.keys(patch).sort().join(',')}`,
      outcome: 'success',
    });
    res.set('Cache-Control', 'private, no-store');
    res.json(toView(settings));
  });
  return router;
}

function toView(settings: TenantSettings) {
  return {
    tenantId: settings.tenantId,
    retentionDays: settings.retentionDays,
    jurisdictionTags: settings.jurisdictionTags,
    updatedAt: settings.updatedAt?.toISOString() ?? null,
    updatedBy: settings.updatedBy,
  };
}
