import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiToken } from '../config/index.js';
import type { Tenant } from '../domain/index.js';

/** A demo token exports, downloads and administers its demo tenant. */
const DEMO_ROLES = ['exporter', 'admin'] as const;

/** Where the embedded default keeps the demo tenants' API tokens. */
export function demoTokensFile(dataDir: string): string {
  return path.join(dataDir, 'demo-tokens.json');
}

/**
 * The demo tenants' tokens: made once, at random, and kept (mode 0600) in
 * the data directory so the README's commands can read them. They exist
 * only when no token is configured.
 */
export async function loadOrCreateDemoTokens(
  dataDir: string,
  tenants: readonly Tenant[],
): Promise<ApiToken[]> {
  const file = demoTokensFile(dataDir);
  const existing = await readTokens(file);
  if (existing) return existing;
  const tokens = tenants.map((tenant) => ({
    token: `dp_demo_${tenant.id}_${randomBytes(24).toString('base64url')}`,
    tenantId: tenant.id,
    subject: `demo-user@${tenant.id}`,
    roles: [...DEMO_ROLES],
  }));
  await mkdir(dataDir, { recursive: true });
  const byTenant = Object.fromEntries(tokens.map((t) => [t.tenantId, t]));
  await writeFile(file, JSON.stringify(byTenant, null, 2) + '\n', {
    mode: 0o600,
  });
  return tokens;
}

async function readTokens(file: string): Promise<ApiToken[] | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Record<
      string,
      Omit<ApiToken, 'roles'> & Partial<Pick<ApiToken, 'roles'>>
    >;
    // Files written before roles existed give their tokens the demo roles.
    return Object.values(parsed).map((t) => ({
      ...t,
      roles: t.roles ?? [...DEMO_ROLES],
    }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
