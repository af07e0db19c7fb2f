import { Router, type Request } from 'express';
import type { Queryable } from '../../db/index.js';
import { PackagerError, toWindow } from '../../domain/index.js';
import { adoptionReport } from '../../telemetry/index.js';

const DAY_MS = 24 * 3600 * 1000;
const PARAMS = new Set(['from', 'to']);

/**
 * GET /analytics/adoption?from&to: exports requested, finished and
 * downloaded, and time to value, per tenant and for all of them. For the
 * platform operator only (ROUTE_ACCESS); read on the owner's connection,
 * as it spans every tenant.
 */
export function analyticsRoutes(db: Queryable): Router {
  const router = Router();
  router.get('/analytics/adoption', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await adoptionReport(db, windowOf(req)));
  });
  return router;
}

/** The window asked for; the last 30 days when either end is left out. */
function windowOf(req: Request): { from: Date; to: Date } {
  const query = req.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter((k) => !PARAMS.has(k));
  if (unknown.length > 0) {
    throw invalid(
      `unknown query parameter ${unknown.join(', ')}; use from, to`,
    );
  }
  for (const name of PARAMS) {
    if (query[name] !== undefined && typeof query[name] !== 'string') {
      throw invalid(`give ${name} once`);
    }
  }
  const to = (query.to as string | undefined) ?? new Date().toISOString();
  // Checks `to` alone first, so that a default `from` can be taken from it.
  const end = toWindow('1970-01-01T00:00:00Z', to).to;
  const from =
    (query.from as string | undefined) ??
    new Date(end.getTime() - 30 * DAY_MS).toISOString();
  return toWindow(from, to);
}

function invalid(message: string): PackagerError {
  return new PackagerError('DP_REQUEST_INVALID', message);
}
