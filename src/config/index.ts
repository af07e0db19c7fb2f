import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TENANT_ROLES } from '../auth/roles.js';
import { PackagerError } from '../domain/index.js';
import {
  toGenericAuditFields,
  type GenericAuditFields,
} from '../evidence/formats/generic.js';
import { Failpoints } from '../jobs/failpoints.js';
import { policiesFromFile } from '../redaction/index.js';

const count = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const tokenSchema = z.object({
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  tenantId: z.string().min(1),
  subject: z.string().min(1),
  // Configured and demo tokens predate roles: they keep every right they
  // had (exporting and downloading) and administer their tenant.
  roles: z.array(z.enum(TENANT_ROLES)).min(1).default(['exporter', 'admin']),
});

const oidcSchema = z.object({
  jwksUrl: z.string().url(),
  issuer: z.string().min(1),
  audience: z.string().min(1),
  tenantClaim: z.string().min(1).default('tenant'),
  rolesClaim: z.string().min(1).default('roles'),
});

/** Download links, rate limits and outbound URL checks. */
const securitySchema = z.object({
  linkSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  linkTtlSeconds: count(10, 7 * 86_400).default(900),
  rateLimitPerToken: count(1, 1_000_000).default(600),
  rateLimitPerTenant: count(1, 1_000_000).default(1200),
  urlAllowList: z.array(z.string().min(1)).default([]),
});

/** Settings of the job system; docs/operations.md explains each. */
const jobsSchema = z.object({
  leaseSeconds: count(2, 3600).default(30),
  maxAttempts: count(1, 100).default(5),
  retryBaseSeconds: z.coerce.number().min(0.01).max(3600).default(5),
  retryMaxSeconds: z.coerce.number().min(0.01).max(86_400).default(300),
  sourceRetries: count(0, 20).default(3),
  sourceRetryBaseMs: count(1, 600_000).default(500),
  timeoutSeconds: count(10, 86_400).default(6 * 3600),
  shutdownGraceSeconds: z.coerce.number().min(0).max(3600).default(30),
  maxWindowDays: count(1, 36_600).default(400),
  maxActivePerTenant: count(1, 10_000).default(5),
  bundleWarnBytes: count(1, Number.MAX_SAFE_INTEGER).default(5_000_000_000),
  bundleMaxBytes: count(1, Number.MAX_SAFE_INTEGER).default(50_000_000_000),
  dlpAction: z.enum(['fail', 'quarantine']).default('fail'),
  failpoints: z
    .string()
    .default('')
    .superRefine((spec, ctx) => {
      try {
        new Failpoints(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
});

export type JobSettings = z.infer<typeof jobsSchema>;

/** The environment variable of each job setting. */
const JOB_ENV: Record<keyof JobSettings, string> = {
  leaseSeconds: 'DP_JOB_LEASE_SECONDS',
  maxAttempts: 'DP_JOB_MAX_ATTEMPTS',
  retryBaseSeconds: 'DP_JOB_RETRY_BASE_SECONDS',
  retryMaxSeconds: 'DP_JOB_RETRY_MAX_SECONDS',
  sourceRetries: 'DP_SOURCE_RETRIES',
  sourceRetryBaseMs: 'DP_SOURCE_RETRY_BASE_MS',
  timeoutSeconds: 'DP_JOB_TIMEOUT_SECONDS',
  shutdownGraceSeconds: 'DP_SHUTDOWN_GRACE_SECONDS',
  maxWindowDays: 'DP_MAX_WINDOW_DAYS',
  maxActivePerTenant: 'DP_MAX_ACTIVE_JOBS_PER_TENANT',
  bundleWarnBytes: 'DP_BUNDLE_WARN_BYTES',
  bundleMaxBytes: 'DP_BUNDLE_MAX_BYTES',
  dlpAction: 'DP_DLP_ACTION',
  failpoints: 'DP_FAILPOINTS',
};

// Names that problems with a setting are reported under, beside its path.
const ENV_NAMES: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(JOB_ENV).map(([field, name]) => [`jobs.${field}`, name]),
  ),
  port: 'DP_PORT',
  workerConcurrency: 'DP_WORKER_CONCURRENCY',
  metricsPort: 'DP_METRICS_PORT',
  databaseUrl: 'DATABASE_URL',
  databaseSchema: 'DP_DATABASE_SCHEMA',
  redactionPolicyFile: 'DP_REDACTION_POLICY_FILE',
  'security.linkSecret': 'DP_LINK_SECRET',
  'security.linkTtlSeconds': 'DP_LINK_TTL_SECONDS',
  'security.rateLimitPerToken': 'DP_RATE_LIMIT_PER_TOKEN',
  'security.rateLimitPerTenant': 'DP_RATE_LIMIT_PER_TENANT',
  'oidc.jwksUrl': 'DP_OIDC_JWKS_URL',
  'oidc.issuer': 'DP_OIDC_ISSUER',
  'oidc.audience': 'DP_OIDC_AUDIENCE',
  flagsFile: 'DP_FLAGS_FILE',
  flags: 'DP_FLAGS',
  genericAuditFields: 'DP_GENERIC_AUDIT_FIELDS',
};

const configSchema = z.object({
  dataDir: z.string().min(1),
  databaseUrl: z.string().url().optional(),
  databaseSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier'),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  publicUrl: z.string().url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  logFormat: z.enum(['json', 'pretty']),
  workerConcurrency: z.coerce.number().int().min(1).max(64),
  /** Where a `worker` process serves /metrics; none when absent. */
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
  seedDemo: z.boolean(),
  signingKeyPassword: z.string().optional(),
  apiTokens: z.array(tokenSchema),
  redactionPolicyFile: z
    .string()
    .min(1)
    .optional()
    .superRefine((file, ctx) => {
      try {
        policiesFromFile(file);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  oidc: oidcSchema.optional(),
  security: securitySchema,
  jobs: jobsSchema,
  /** A JSON file of feature flag rules; docs/operations.md shows one. */
  flagsFile: z.string().min(1).optional(),
  /** `flag=on|off` and `flag@tenant=on|off` entries over the file's. */
  flags: z.string().default(''),
  /**
   * Where time, actor and action sit in JSON Lines audit logs of no known
   * format (`time=ts,actor=user.name,action=op`); docs/evidence-formats.md.
   */
  genericAuditFields: z
    .string()
    .min(1)
    .optional()
    .superRefine((spec, ctx) => {
      const fields = spec === undefined ? null : toGenericAuditFields(spec);
      if (typeof fields === 'string') {
        ctx.addIssue({ code: 'custom', message: fields });
      }
    }),
});

/** The product's one configuration object, validated at start-up. */
export type Config = z.infer<typeof configSchema>;
export type ApiToken = z.infer<typeof tokenSchema>;

/** What callers may set over the environment: any part of any section. */
export type ConfigOverrides = Partial<
  Omit<Config, 'jobs' | 'security' | 'apiTokens' | 'oidc'>
> & {
  jobs?: Partial<JobSettings>;
  security?: Partial<SecuritySettings>;
  apiTokens?: z.input<typeof tokenSchema>[];
  oidc?: z.input<typeof oidcSchema>;
};
export type OidcConfig = z.infer<typeof oidcSchema>;
export type SecuritySettings = z.infer<typeof securitySchema>;

type Env = Record<string, string | undefined>;

/**
 * Builds the configuration: explicit overrides (CLI flags), then `DP_*`
 * environment variables, then the JSON file named by DP_CONFIG_FILE, then
 * defaults. Every problem is reported at once.
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  env: Env = process.env,
): Config {
  const file = readConfigFile(env.DP_CONFIG_FILE);
  const fromEnv = stripUndefined({
    dataDir: env.DP_DATA_DIR,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DP_DATABASE_SCHEMA,
    host: env.DP_HOST,
    port: env.DP_PORT ?? env.PORT,
    publicUrl: env.DP_PUBLIC_URL,
    logLevel: env.DP_LOG_LEVEL,
    logFormat: env.DP_LOG_FORMAT,
    workerConcurrency: env.DP_WORKER_CONCURRENCY,
    metricsPort: env.DP_METRICS_PORT,
    seedDemo: toBoolean(env.DP_SEED_DEMO),
    signingKeyPassword: env.DP_SIGNING_KEY_PASSWORD,
    apiTokens: env.DP_API_TOKENS ? parseTokens(env.DP_API_TOKENS) : undefined,
    redactionPolicyFile: env.DP_REDACTION_POLICY_FILE || undefined,
    flagsFile: env.DP_FLAGS_FILE || undefined,
    flags: env.DP_FLAGS,
    genericAuditFields: env.DP_GENERIC_AUDIT_FIELDS || undefined,
  });
  const jobsFromEnv = stripUndefined(
    Object.fromEntries(
      Object.entries(JOB_ENV).map(([field, name]) => [field, env[name]]),
    ),
  );
  const merged = {
    ...defaults(env),
    ...file,
    ...fromEnv,
    ...stripUndefined(overrides),
    oidc: oidcOf(env, file, overrides),
    security: {
      ...(file.security as object | undefined),
      ...securityFromEnv(env),
      ...overrides.security,
    },
    jobs: {
      ...(file.jobs as object | undefined),
      ...jobsFromEnv,
      ...overrides.jobs,
    },
  };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const at = issue.path.join('.') || '(root)';
      const name = ENV_NAMES[at];
      return `${name ? `${at} (${name})` : at}: ${issue.message}`;
    });
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      `the configuration is invalid:\n  ${problems.join('\n  ')}`,
    );
  }
  return { ...result.data, dataDir: path.resolve(result.data.dataDir) };
}

function defaults(env: Env): Record<string, unknown> {
  return {
    dataDir: './.data',
    databaseSchema: 'public',
    host: '127.0.0.1',
    port: 8080,
    logLevel: 'info',
    logFormat: env.NODE_ENV === 'production' ? 'json' : 'pretty',
    workerConcurrency: 2,
    seedDemo: true,
    apiTokens: [],
  };
}

/**
 * DP_API_TOKENS: comma-separated `token=tenant[:subject[:roles]]` entries,
 * roles joined by `+` (default exporter+admin).
 */
function parseTokens(value: string): unknown[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [token = '', binding = ''] = entry.split('=');
      const [tenantId = '', subject, roles] = binding.split(':');
      return {
        token,
        tenantId,
        subject: subject || `token:${tenantId}`,
        ...(roles ? { roles: roles.split('+') } : {}),
      };
    });
}

function securityFromEnv(env: Env): Record<string, unknown> {
  return stripUndefined({
    linkSecret: env.DP_LINK_SECRET,
    linkTtlSeconds: env.DP_LINK_TTL_SECONDS,
    rateLimitPerToken: env.DP_RATE_LIMIT_PER_TOKEN,
    rateLimitPerTenant: env.DP_RATE_LIMIT_PER_TENANT,
    urlAllowList: env.DP_URL_ALLOW_LIST
      ? env.DP_URL_ALLOW_LIST.split(',').map((s) => s.trim())
      : undefined,
  });
}

/** OIDC is on when any of its settings is given, from any source. */
function oidcOf(
  env: Env,
  file: Record<string, unknown>,
  overrides: ConfigOverrides,
): Record<string, unknown> | undefined {
  const merged = {
    ...(file.oidc as object | undefined),
    ...stripUndefined({
      jwksUrl: env.DP_OIDC_JWKS_URL,
      issuer: env.DP_OIDC_ISSUER,
      audience: env.DP_OIDC_AUDIENCE,
      tenantClaim: env.DP_OIDC_TENANT_CLAIM,
      rolesClaim: env.DP_OIDC_ROLES_CLAIM,
    }),
    ...overrides.oidc,
  };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      `cannot read the configuration file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function toBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase());
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/** The configured generic audit mapping, if any (validated at load). */
export function genericAuditOf(config: Config): GenericAuditFields | undefined {
  if (!config.genericAuditFields) return undefined;
  const fields = toGenericAuditFields(config.genericAuditFields);
  return typeof fields === 'string' ? undefined : fields;
}
