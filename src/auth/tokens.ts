import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import { PackagerError } from '../domain/index.js';
import type { Role } from './roles.js';

/** A stored API token, without its secret (which is never kept). */
export interface TokenRecord {
  id: string;
  tenantId: string;
  roles: Role[];
  subject: string;
  createdAt: Date;
  revokedAt: Date | null;
}

interface TokenRow {
  id: string;
  tenant_id: string;
  roles: Role[];
  subject: string;
  created_at: Date;
  revoked_at: Date | null;
}

// A token names its row, so revocation can be done by id, and carries 32
// random bytes, so a plain SHA-256 digest is as strong as a slow hash.
const PREFIX = 'dpt_';

/** The SHA-256 digest, in hex, under which a token is looked up. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** API tokens in the database: created, listed, revoked, looked up. */
export class TokenStore {
  constructor(private readonly db: Queryable) {}

  /** Creates a token; answers its record and the secret, shown once. */
  async create(input: {
    tenantId: string;
    roles: Role[];
    /** Who holds it, as the audit trail names them; else `token:<id>`. */
    subject?: string;
  }): Promise<{ record: TokenRecord; token: string }> {
    const id = randomUUID();
    const subject = input.subject ?? `token:${id}`;
    const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.db.query<TokenRow>(
      `INSERT INTO api_tokens (id, tenant_id, roles, subject, secret_sha256)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING id, tenant_id, roles, subject, created_at, revoked_at`,
      [id, input.tenantId, input.roles, subject, tokenDigest(token)],
    );
    return { record: toRecord(rows[0] as TokenRow), token };
  }

  async list(tenantId?: string): Promise<TokenRecord[]> {
    const { rows } = await this.db.query<TokenRow>(
      `SELECT id, tenant_id, roles, subject, created_at, revoked_at
       FROM api_tokens WHERE $1::text IS NULL OR tenant_id = $1
       ORDER BY tenant_id, created_at, id`,
      [tenantId ?? null],
    );
    return rows.map(toRecord);
  }

  /** Revokes a token by id; answers its record as it now is. */
  async revoke(id: string): Promise<TokenRecord> {
    const { rows } = await this.db.query<TokenRow>(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
       WHERE id = $1
       RETURNING id, tenant_id, roles, subject, created_at, revoked_at`,
      [id],
    );
    const row = rows[0];
    if (!row) {
      throw new PackagerError('DP_NOT_FOUND', `no API token ${id}`);
    }
    return toRecord(row);
  }

  /** The live token with this secret, or null (unknown or revoked). */
  async findLive(token: string): Promise<TokenRecord | null> {
    if (!token.startsWith(PREFIX)) return null;
    const { rows } = await this.db.query<TokenRow>(
      `SELECT id, tenant_id, roles, subject, created_at, revoked_at
       FROM api_tokens WHERE secret_sha256 = $1 AND revoked_at IS NULL`,
      [tokenDigest(token)],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    roles: row.roles,
    subject: row.subject,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
