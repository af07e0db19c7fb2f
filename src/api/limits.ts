import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import {
  rateLimit,
  type AugmentedRequest,
  type RateLimitExceededEventHandler,
} from 'express-rate-limit';
import type { SecuritySettings } from '../config/index.js';
import { PackagerError } from '../domain/index.js';
import { maybePrincipalOf } from './auth.js';

const MINUTE_MS = 60_000;

/**
 * Two fixed-window limits per minute, checked after authentication: one
 * per credential (a token, a JWT or a download link) and one per tenant,
 * so that many tokens of one tenant cannot starve the others. Public
 * routes are not counted. Counters live in this process: with several API
 * replicas, each enforces its own share.
 */
export function rateLimits(
  settings: Pick<SecuritySettings, 'rateLimitPerToken' | 'rateLimitPerTenant'>,
): RequestHandler[] {
  const common = {
    windowMs: MINUTE_MS,
    standardHeaders: 'draft-7' as const,
    legacyHeaders: false,
    validate: false,
    skip: (req: Request) => !maybePrincipalOf(req),
    handler,
  };
  return [
    rateLimit({
      ...common,
      limit: settings.rateLimitPerToken,
      keyGenerator: (req) => `credential:${credentialOf(req)}`,
    }),
    rateLimit({
      ...common,
      limit: settings.rateLimitPerTenant,
      keyGenerator: (req) => `tenant:${maybePrincipalOf(req)?.tenantId ?? ''}`,
    }),
  ];
}

const handler: RateLimitExceededEventHandler = (req, _res, next, options) => {
  const resetAt = (req as AugmentedRequest).rateLimit?.resetTime?.getTime();
  const seconds = Math.ceil(((resetAt ?? Date.now()) - Date.now()) / 1000);
  next(
    new PackagerError(
      'DP_RATE_LIMITED',
      `more than ${String(options.limit)} requests a minute; slow down`,
      { details: { retryAfterSeconds: Math.max(1, seconds) } },
    ),
  );
};

/** A digest of the credential, so the secret itself is never a map key. */
function credentialOf(req: Request): string {
  const query = req.query as Record<string, unknown>;
  const secret =
    req.get('authorization') ??
    (typeof query.sig === 'string' ? query.sig : '');
  return createHash('sha256').update(secret).digest('base64url');
}
