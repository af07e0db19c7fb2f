/**
 * Roles a token holds within its one tenant. Every role may read the
 * tenant's jobs; exporting and downloading need `exporter`; managing
 * tokens, keys and settings needs `admin` (docs/security.md).
 */
export const TENANT_ROLES = Object.freeze([
  'viewer',
  'exporter',
  'admin',
] as const);

export type Role = (typeof TENANT_ROLES)[number];

/**
 * The role an API route asks for; `public` routes ask for none. `operator`
 * is the platform operator, across tenants: no tenant token carries it,
 * only an operator token (DP_OPERATOR_TOKENS) does.
 */
export type Requirement = 'public' | 'operator' | Role;

export function isRole(value: unknown): value is Role {
  return TENANT_ROLES.includes(value as Role);
}

/** True when a caller holding `roles` meets `required`. */
export function satisfies(
  roles: readonly Role[],
  required: Requirement,
): boolean {
  if (required === 'public') return true;
  if (required === 'operator') return false;
  // Whoever holds any role of a tenant may see what a viewer sees.
  if (required === 'viewer') return roles.length > 0;
  return roles.includes(required);
}

/** Parses `viewer`, `exporter+admin` or `exporter,admin`. */
export function toRoles(text: string): Role[] | null {
  const parts = text
    .split(/[+,]/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0 || !parts.every(isRole)) return null;
  return TENANT_ROLES.filter((r) => parts.includes(r));
}
