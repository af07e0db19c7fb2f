export {
  TENANT_ROLES,
  isRole,
  satisfies,
  toRoles,
  type Requirement,
  type Role,
} from './roles.js';
export { TokenStore, tokenDigest, type TokenRecord } from './tokens.js';
export { LinkSigner, loadOrCreateLinkSecret, type LinkGrant } from './links.js';
export {
  OidcVerifier,
  looksLikeJwt,
  type OidcIdentity,
  type OidcSettings,
} from './oidc.js';
