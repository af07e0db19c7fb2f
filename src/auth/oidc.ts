import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import {
  hasControlCharacters,
  hasUnstorable,
  PackagerError,
} from '../domain/index.js';
import { isRole, type Role } from './roles.js';

/** Where OIDC bearer tokens come from and which claims say what. */
export interface OidcSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Claim holding the tenant id (default `tenant`). */
  tenantClaim: string;
  /** Claim holding the roles, an array or a space-separated string. */
  rolesClaim: string;
}

/** What a verified JWT says of its caller. */
export interface OidcIdentity {
  tenantId: string;
  subject: string;
  roles: Role[];
}

/** True when a bearer value has the shape of a compact JWS. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * Verifies JWTs against the JWKS of the configured issuer (signature,
 * `iss`, `aud`, `exp` and `nbf`), then reads tenant and roles from the
 * configured claims. Any failure is DP_UNAUTHENTICATED.
 */
export class OidcVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: OidcSettings) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: 5000,
    });
  }

  async verify(token: string): Promise<OidcIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['RS256', 'ES256', 'ES384', 'PS256', 'EdDSA'],
        // A token without an expiry would never expire, and one without a
        // subject would make every such caller one actor in the trail.
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (cause) {
      throw new PackagerError(
        'DP_UNAUTHENTICATED',
        `the bearer token was refused (${reasonOf(cause)})`,
        { cause },
      );
    }
    const tenantId = payload[this.settings.tenantClaim];
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new PackagerError(
        'DP_UNAUTHENTICATED',
        `the bearer token names no tenant (claim ${this.settings.tenantClaim})`,
      );
    }
    // Names that go into the audit trail and the manifest: plain text.
    for (const [claim, value] of [
      [this.settings.tenantClaim, tenantId],
      ['sub', payload.sub],
    ] as const) {
      if (
        typeof value === 'string' &&
        (hasControlCharacters(value) || hasUnstorable(value))
      ) {
        throw new PackagerError(
          'DP_UNAUTHENTICATED',
          `the bearer token's ${claim} claim holds control characters or ` +
            'lone surrogates',
        );
      }
    }
    return {
      tenantId,
      subject: typeof payload.sub === 'string' ? payload.sub : 'oidc',
      roles: rolesOf(payload[this.settings.rolesClaim]),
    };
  }
}

function rolesOf(claim: unknown): Role[] {
  const values =
    typeof claim === 'string'
      ? claim.split(/\s+/)
      : Array.isArray(claim)
        ? claim
        : [];
  return values.filter(isRole);
}

/** jose's error codes say what failed without echoing the token. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'bad signature';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim ${String((error as { claim?: unknown }).claim)} is not accepted`;
    default:
      return 'not a valid token';
  }
}
