import type { RequestHandler } from 'express';
import { PackagerError } from '../domain/index.js';
import type { FeatureFlags, FlagKey } from '../flags/index.js';
import { principalOf } from './auth.js';

/**
 * Lets a request through only when the flag is on for the caller's
 * tenant; otherwise the route answers 404, as if it did not exist.
 */
export function requireFeature(
  flags: FeatureFlags,
  key: FlagKey,
): RequestHandler {
  return async (req, _res, next) => {
    const { tenantId } = principalOf(req);
    if (!(await flags.isEnabled(key, tenantId))) {
      throw new PackagerError(
        'DP_FEATURE_DISABLED',
        `${req.path} is not enabled for tenant ${JSON.stringify(tenantId)}`,
      );
    }
    next();
  };
}
