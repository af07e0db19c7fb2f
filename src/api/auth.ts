import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { ApiToken } from '../config/index.js';
import { PackagerError } from '../domain/index.js';

/** Who is calling: one subject acting for one tenant. */
export interface Principal {
  tenantId: string;
  subject: string;
}

const principals = new WeakMap<Request, Principal>();

/** The authenticated caller of a request that passed `authenticate`. */
export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (!principal) throw new PackagerError('DP_UNAUTHENTICATED', 'no caller');
  return principal;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Accepts `Authorization: Bearer <token>` for a configured token. Tokens
 * are compared by their SHA-256 digests in constant time, so neither their
 * length nor their prefix leaks through timing.
 */
export function authenticate(tokens: readonly ApiToken[]): RequestHandler {
  const known = tokens.map((t) => ({ digest: digest(t.token), token: t }));
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new PackagerError(
        'DP_UNAUTHENTICATED',
        'send an API token as "Authorization: Bearer <token>"',
      );
    }
    const presented = digest(match[1]);
    const found = known.find((k) => timingSafeEqual(k.digest, presented));
    if (!found) {
      throw new PackagerError(
        'DP_UNAUTHENTICATED',
        'the API token is not valid',
      );
    }
    principals.set(req, {
      tenantId: found.token.tenantId,
      subject: found.token.subject,
    });
    next();
  };
}
