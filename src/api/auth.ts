import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import {
  looksLikeJwt,
  type OidcVerifier,
  type Role,
  type TokenStore,
} from '../auth/index.js';
import type { ApiToken } from '../config/index.js';
import { PackagerError } from '../domain/index.js';

/** Who is calling: one subject acting for one tenant, with its roles. */
export interface Principal {
  tenantId: string;
  subject: string;
  roles: Role[];
  /** How the caller proved itself. */
  via: 'token' | 'oidc' | 'link';
}

const principals = new WeakMap<Request, Principal>();

/** The authenticated caller of a request that passed the access check. */
export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (!principal) throw new PackagerError('DP_UNAUTHENTICATED', 'no caller');
  return principal;
}

/** The caller, when the request was authenticated; for logs and limits. */
export function maybePrincipalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

export function setPrincipal(req: Request, principal: Principal): void {
  principals.set(req, principal);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The three kinds of bearer token the API accepts, tried in turn. */
export interface AuthSources {
  /** Configured (DP_API_TOKENS) or demo tokens. */
  staticTokens: readonly ApiToken[];
  /** Tokens made with `tokens create`. */
  tokenStore: Pick<TokenStore, 'findLive'>;
  /** OIDC JWTs, when configured. */
  oidc?: Pick<OidcVerifier, 'verify'>;
  /** Whether a tenant exists; a JWT naming an unknown one is refused. */
  tenantExists(id: string): Promise<boolean>;
}

/**
 * Reads `Authorization: Bearer <token>` and answers who it is, or throws
 * DP_UNAUTHENTICATED before any of the tenant's data is read. Static tokens
 * are compared by SHA-256 digest in constant time, so neither their length
 * nor their prefix leaks through timing.
 */
export function bearerAuthenticator(sources: AuthSources) {
  const known = sources.staticTokens.map((t) => ({
    digest: digest(t.token),
    token: t,
  }));
  return async (req: Request): Promise<Principal> => {
    const presented = bearerOf(req);
    if (sources.oidc && looksLikeJwt(presented)) {
      const identity = await sources.oidc.verify(presented);
      if (!(await sources.tenantExists(identity.tenantId))) {
        throw unauthenticated('the bearer token names an unknown tenant');
      }
      return { ...identity, via: 'oidc' };
    }
    const hashed = digest(presented);
    const found = known.find((k) => timingSafeEqual(k.digest, hashed));
    if (found) {
      const { tenantId, subject, roles } = found.token;
      // A configured token may name a tenant that was never made, or one
      // since removed: it speaks for nobody.
      if (!(await sources.tenantExists(tenantId))) {
        throw unauthenticated('the API token names an unknown tenant');
      }
      return { tenantId, subject, roles, via: 'token' };
    }
    const stored = await sources.tokenStore.findLive(presented);
    if (stored) {
      const { tenantId, subject, roles } = stored;
      return { tenantId, subject, roles, via: 'token' };
    }
    throw unauthenticated('the API token is not valid');
  };
}

function bearerOf(req: Request): string {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw unauthenticated(
      'send an API token as "Authorization: Bearer <token>"',
    );
  }
  return match[1];
}

function unauthenticated(message: string): PackagerError {
  return new PackagerError('DP_UNAUTHENTICATED', message);
}

/**
 * Whether a request carries a platform operator's token (compared by
 * SHA-256 digest in constant time, like the configured tenant tokens).
 */
export function operatorMatcher(
  tokens: readonly { token: string }[],
): (req: Request) => boolean {
  const digests = tokens.map((t) => digest(t.token));
  return (req) => {
    if (digests.length === 0) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match?.[1]) return false;
    const presented = digest(match[1]);
    return digests.some((known) => timingSafeEqual(known, presented));
  };
}
