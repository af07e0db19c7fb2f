import { z } from 'zod';
import type { Queryable } from '../db/index.js';
import { PackagerError } from '../domain/index.js';

/** What a tenant's admins may set; null or absent means the default. */
export interface TenantSettings {
  tenantId: string;
  /** Days a published bundle is kept; null: the deployment's default. */
  retentionDays: number | null;
  /** Tags every artifact of the tenant's bundles carries in the manifest. */
  jurisdictionTags: string[];
  updatedAt: Date | null;
  updatedBy: string | null;
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The body of PATCH /settings: only the fields to change. */
export const settingsPatch = z
  .object({
    retentionDays: z.number().int().min(1).max(3650).nullable().optional(),
    jurisdictionTags: z
      .array(
        z
          .string()
          .regex(
            TAG,
            'a tag is 1 to 64 letters, digits, dots, colons, dashes or ' +
              'underscores, starting with a letter or digit',
          ),
      )
      .max(20)
      .refine((tags) => new Set(tags).size === tags.length, {
        message: 'tags must not repeat',
      })
      .optional(),
  })
  .strict();

export type SettingsPatch = z.infer<typeof settingsPatch>;

/** Parses a PATCH body, or refuses it with every problem named. */
export function parseSettingsPatch(body: unknown): SettingsPatch {
  const parsed = settingsPatch.safeParse(body);
  if (!parsed.success) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      parsed.error.issues
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; '),
    );
  }
  if (Object.keys(parsed.data).length === 0) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'give at least one of retentionDays and jurisdictionTags',
    );
  }
  return parsed.data;
}

interface Row {
  tenant_id: string;
  retention_days: number | null;
  jurisdiction_tags: string[];
  updated_at: Date;
  updated_by: string;
}

/** Reads and changes tenant settings; each call names its tenant. */
export class SettingsStore {
  constructor(private readonly db: Queryable) {}

  async get(tenantId: string): Promise<TenantSettings> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM tenant_settings WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0] ? toSettings(rows[0]) : defaultsOf(tenantId);
  }

  /**
   * Applies the fields given, in one statement, so that two admins
   * changing different fields at once both keep their change; answers the
   * settings as they now are.
   */
  async update(
    tenantId: string,
    patch: SettingsPatch,
    actor: string,
  ): Promise<TenantSettings> {
    const setsRetention = patch.retentionDays !== undefined;
    const { rows } = await this.db.query<Row>(
      `INSERT INTO tenant_settings
         (tenant_id, retention_days, jurisdiction_tags, updated_at, updated_by)
       VALUES ($1, $2, COALESCE($3::text[], '{}'), now(), $4)
       ON CONFLICT (tenant_id) DO UPDATE SET
         retention_days = CASE WHEN $5 THEN EXCLUDED.retention_days
                          ELSE tenant_settings.retention_days END,
         jurisdiction_tags = CASE WHEN $3::text[] IS NULL
                             THEN tenant_settings.jurisdiction_tags
                             ELSE EXCLUDED.jurisdiction_tags END,
         updated_at = EXCLUDED.updated_at,
         updated_by = EXCLUDED.updated_by
       RETURNING *`,
      [
        tenantId,
        patch.retentionDays ?? null,
        patch.jurisdictionTags ?? null,
        actor,
        setsRetention,
      ],
    );
    return toSettings(rows[0] as Row);
  }
}

function defaultsOf(tenantId: string): TenantSettings {
  return {
    tenantId,
    retentionDays: null,
    jurisdictionTags: [],
    updatedAt: null,
    updatedBy: null,
  };
}

function toSettings(row: Row): TenantSettings {
  return {
    tenantId: row.tenant_id,
    retentionDays: row.retention_days,
    jurisdictionTags: row.jurisdiction_tags,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** Platform-wide reads of tenant settings, for the workers. */
export const settingsQueries = {
  /** Each tenant's own retention period, where its admin set one. */
  async retentionDays(db: Queryable): Promise<Record<string, number>> {
    const { rows } = await db.query<{ tenant_id: string; days: number }>(
      `SELECT tenant_id, retention_days AS days FROM tenant_settings
        WHERE retention_days IS NOT NULL`,
    );
    return Object.fromEntries(rows.map((r) => [r.tenant_id, r.days]));
  },
};
