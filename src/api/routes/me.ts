import { Router } from 'express';
import type { EvidenceStore } from '../../evidence/index.js';
import type { FeatureFlags } from '../../flags/index.js';
import type { Role } from '../../auth/roles.js';
import type { JobSettings } from '../../config/index.js';
import { principalOf } from '../auth.js';

/** What the roles allow, in words, for the role hint of the UI. */
function roleNoteOf(roles: readonly Role[]): string {
  const exporter = roles.includes('exporter');
  const may = exporter
    ? ['may start exports and download bundles']
    : ['may see jobs and evidence counts'];
  if (roles.includes('admin')) {
    may.push("manage the tenant's webhooks and settings");
  }
  const note = may.join(', and ');
  return exporter ? note : `${note}, not start exports or download`;
}

/** The limits a request is held to, for the UI to check before it sends. */
export type RequestLimits = Pick<JobSettings, 'maxWindowDays'>;

/**
 * GET /me: who the token speaks for, its roles in its tenant, which
 * features are on for that tenant, and the limits its requests meet.
 */
export function meRoutes(
  store: EvidenceStore,
  flags: FeatureFlags,
  limits: RequestLimits,
): Router {
  const router = Router();
  router.get('/me', async (req, res) => {
    const { tenantId, subject, roles } = principalOf(req);
    const tenant = await store.getTenant(tenantId);
    res.set('Cache-Control', 'private, no-store');
    res.json({
      tenantId,
      subject,
      roles,
      role: roles.includes('admin')
        ? 'admin'
        : roles.includes('exporter')
          ? 'exporter'
          : 'viewer',
      roleNote: roleNoteOf(roles),
      tenants: tenant ? [{ id: tenant.id, name: tenant.name }] : [],
      features: {
        ui: await flags.isEnabled('disclosurePackager.ui', tenantId),
        api: await flags.isEnabled('disclosurePackager.api', tenantId),
      },
      limits: { maxWindowDays: limits.maxWindowDays },
    });
  });
  return router;
}
