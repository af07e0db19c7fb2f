import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TENANT_ROLES } from '../auth/roles.js';
import { PackagerError } from '../domain/index.js';
import {
  toGenericAuditFields,
  type GenericAuditFields,
} from '../evidence/formats/generic.js';
import { STREAM_FROM_BYTES } from '../evidence/ingest.js';
import { Failpoints } from '../jobs/failpoints.js';
import { allowListEntryProblem } from '../net/index.js';
import { policiesFromFile } from '../redaction/index.js';
import { connectorsFromFile } from '../sources/config.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  parseRetrySchedule,
} from '../webhooks/schedule.js';

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

// A platform operator acts across tenants, so its token names none.
const operatorTokenSchema = z.object({
  token: z
    .string()
    .min(32, 'DP_OPERATOR_TOKENS entries must be at least 32 characters'),
  subject: z.string().min(1),
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
  urlAllowList: z
    .array(
      z.string().superRefine((entry, ctx) => {
        const problem = allowListEntryProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    )
    .default([]),
});

/** Traces and analytics; docs/operations.md explains each. */
const telemetrySchema = z.object({
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are sent there; off without it. */
  otlpEndpoint: z.string().url().optional(),
  serviceName: z.string().min(1).default('disclosure-packager'),
  /** Where analytics events are forwarded (JSON batches); none if unset. */
  analyticsSinkUrl: z.string().url().optional(),
  analyticsBatchSize: count(1, 10_000).default(100),
  analyticsFlushMs: count(10, 600_000).default(2000),
  analyticsBufferSize: count(1, 1_000_000).default(10_000),
  analyticsRetries: count(0, 20).default(5),
});

export type TelemetrySettings = z.infer<typeof telemetrySchema>;

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

/** S3-compatible object storage; docs/storage.md explains each. */
const s3Schema = z.object({
  bucket: z.string().min(3).max(63).optional(),
  endpoint: z.string().url().optional(),
  region: z.string().min(1).default('us-east-1'),
  forcePathStyle: z.boolean().default(false),
  tenantIsolation: z.enum(['prefix', 'bucket']).default('prefix'),
  bucketTemplate: z
    .string()
    .regex(/\{tenant\}/, 'must contain {tenant}')
    .default('dp-{tenant}'),
  /** Put before every key, e.g. `packager/`; empty by default. */
  prefix: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with /')
    .default(''),
  createBuckets: z.boolean().default(true),
  /** Bundle downloads: a redirect to a presigned URL, or through the API. */
  downloads: z.enum(['redirect', 'proxy']).default('redirect'),
});

/** Where objects live and how long bundles are kept. */
const storageSchema = z
  .object({
    kind: z.enum(['local', 's3']).default('local'),
    s3: s3Schema.default(s3Schema.parse({})),
    retentionDays: count(1, 36_600).default(30),
    /** Per-tenant retention in days, over retentionDays. */
    retentionByTenant: z.record(z.string(), count(1, 36_600)).default({}),
    retentionIntervalSeconds: count(10, 86_400).default(3600),
  })
  .superRefine((storage, ctx) => {
    const { s3 } = storage;
    if (
      storage.kind === 's3' &&
      s3.tenantIsolation === 'prefix' &&
      !s3.bucket
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3', 'bucket'],
        message: 'S3 storage with prefix isolation needs a bucket',
      });
    }
  });

export type StorageSettings = z.infer<typeof storageSchema>;
export type S3Settings = z.infer<typeof s3Schema>;
/** Webhook delivery; docs/webhooks.md explains each setting. */
const webhooksSchema = z.object({
  retrySchedule: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE)
    .superRefine((spec, ctx) => {
      try {
        parseRetrySchedule(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  timeoutSeconds: z.coerce.number().min(0.01).max(300).default(15),
  endpointConcurrency: count(1, 100).default(2),
  concurrency: count(1, 64).default(4),
  linkTtlSeconds: count(60, 7 * 86_400).default(86_400),
});

export type WebhookSettings = z.infer<typeof webhooksSchema>;

const WEBHOOK_ENV: Record<keyof WebhookSettings, string> = {
  retrySchedule: 'DP_WEBHOOK_RETRY_SCHEDULE',
  timeoutSeconds: 'DP_WEBHOOK_TIMEOUT_SECONDS',
  endpointConcurrency: 'DP_WEBHOOK_ENDPOINT_CONCURRENCY',
  concurrency: 'DP_WEBHOOK_CONCURRENCY',
  linkTtlSeconds: 'DP_WEBHOOK_LINK_TTL_SECONDS',
};

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
  ...Object.fromEntries(
    Object.entries(WEBHOOK_ENV).map(([f, name]) => [`webhooks.${f}`, name]),
  ),
  port: 'DP_PORT',
  workerConcurrency: 'DP_WORKER_CONCURRENCY',
  metricsPort: 'DP_METRICS_PORT',
  databaseUrl: 'DATABASE_URL',
  databaseAppUrl: 'DATABASE_APP_URL',
  databaseSchema: 'DP_DATABASE_SCHEMA',
  redactionPolicyFile: 'DP_REDACTION_POLICY_FILE',
  ingestMaxBytes: 'DP_INGEST_MAX_BYTES',
  ingestStreamFromBytes: 'DP_INGEST_STREAM_FROM_BYTES',
  connectorsFile: 'DP_CONNECTORS_FILE',
  'security.linkSecret': 'DP_LINK_SECRET',
  'security.linkTtlSeconds': 'DP_LINK_TTL_SECONDS',
  'security.rateLimitPerToken': 'DP_RATE_LIMIT_PER_TOKEN',
  'security.rateLimitPerTenant': 'DP_RATE_LIMIT_PER_TENANT',
  'security.urlAllowList': 'DP_URL_ALLOW_LIST',
  'oidc.jwksUrl': 'DP_OIDC_JWKS_URL',
  'oidc.issuer': 'DP_OIDC_ISSUER',
  'oidc.audience': 'DP_OIDC_AUDIENCE',
  'telemetry.otlpEndpoint': 'OTEL_EXPORTER_OTLP_ENDPOINT',
  'telemetry.serviceName': 'OTEL_SERVICE_NAME',
  'telemetry.analyticsSinkUrl': 'DP_ANALYTICS_SINK_URL',
  'telemetry.analyticsBatchSize': 'DP_ANALYTICS_BATCH_SIZE',
  'telemetry.analyticsFlushMs': 'DP_ANALYTICS_FLUSH_MS',
  'telemetry.analyticsBufferSize': 'DP_ANALYTICS_BUFFER_SIZE',
  'telemetry.analyticsRetries': 'DP_ANALYTICS_RETRIES',
  operatorTokens: 'DP_OPERATOR_TOKENS',
  flagsFile: 'DP_FLAGS_FILE',
  flags: 'DP_FLAGS',
  'storage.kind': 'DP_STORAGE',
  'storage.retentionDays': 'DP_RETENTION_DAYS',
  'storage.retentionByTenant': 'DP_RETENTION_TENANT_DAYS',
  'storage.retentionIntervalSeconds': 'DP_RETENTION_INTERVAL_SECONDS',
  'storage.s3.bucket': 'DP_S3_BUCKET',
  'storage.s3.endpoint': 'DP_S3_ENDPOINT',
  'storage.s3.region': 'DP_S3_REGION',
  'storage.s3.forcePathStyle': 'DP_S3_FORCE_PATH_STYLE',
  'storage.s3.tenantIsolation': 'DP_S3_TENANT_ISOLATION',
  'storage.s3.bucketTemplate': 'DP_S3_BUCKET_TEMPLATE',
  'storage.s3.prefix': 'DP_S3_PREFIX',
  'storage.s3.createBuckets': 'DP_S3_CREATE_BUCKETS',
  'storage.s3.downloads': 'DP_S3_DOWNLOADS',
  neo4jUrl: 'NEO4J_URL',
  genericAuditFields: 'DP_GENERIC_AUDIT_FIELDS',
};

const configSchema = z.object({
  dataDir: z.string().min(1),
  databaseUrl: z.string().url().optional(),
  /**
   * The login tenant-scoped API requests use: a role that owns nothing and
   * cannot bypass row-level security (docs/security.md). Without it they
   * run on DATABASE_URL's login under SET LOCAL ROLE dp_app.
   */
  databaseAppUrl: z.string().url().optional(),
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
  /** Platform operators' tokens: cross-tenant reports such as adoption. */
  operatorTokens: z.array(operatorTokenSchema),
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
  /** Largest body the ingest API reads; a larger one answers 413. */
  ingestMaxBytes: count(1, Number.MAX_SAFE_INTEGER).default(256 * 1024 ** 2),
  /**
   * From this size on, an SBOM or scan report is read as a stream instead
   * of whole (docs/evidence-formats.md).
   */
  ingestStreamFromBytes: count(0, Number.MAX_SAFE_INTEGER).default(
    STREAM_FROM_BYTES,
  ),
  /** The connectors to customers' evidence services; docs/connectors.md. */
  connectorsFile: z
    .string()
    .min(1)
    .optional()
    .superRefine((file, ctx) => {
      try {
        connectorsFromFile(file);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  oidc: oidcSchema.optional(),
  security: securitySchema,
  jobs: jobsSchema,
  storage: storageSchema,
  /** The provenance graph in Neo4j (bolt:// or neo4j://); tables otherwise. */
  neo4jUrl: z.string().url().optional(),
  neo4jUser: z.string().min(1).default('neo4j'),
  neo4jPassword: z.string().optional(),
  telemetry: telemetrySchema,
  webhooks: webhooksSchema,
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
export type OperatorToken = z.infer<typeof operatorTokenSchema>;

/** What callers may set over the environment: any part of any section. */
export type ConfigOverrides = Partial<
  Omit<
    Config,
    | 'jobs'
    | 'webhooks'
    | 'security'
    | 'apiTokens'
    | 'oidc'
    | 'storage'
    | 'telemetry'
  >
> & {
  jobs?: Partial<JobSettings>;
  webhooks?: Partial<WebhookSettings>;
  storage?: Partial<Omit<StorageSettings, 's3'>> & {
    s3?: Partial<S3Settings>;
  };
  telemetry?: Partial<TelemetrySettings>;
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
    databaseAppUrl: env.DATABASE_APP_URL || undefined,
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
    operatorTokens: env.DP_OPERATOR_TOKENS
      ? parseOperatorTokens(env.DP_OPERATOR_TOKENS)
      : undefined,
    redactionPolicyFile: env.DP_REDACTION_POLICY_FILE || undefined,
    flagsFile: env.DP_FLAGS_FILE || undefined,
    flags: env.DP_FLAGS,
    ingestMaxBytes: env.DP_INGEST_MAX_BYTES || undefined,
    ingestStreamFromBytes: env.DP_INGEST_STREAM_FROM_BYTES || undefined,
    connectorsFile: env.DP_CONNECTORS_FILE || undefined,
    neo4jUrl: env.NEO4J_URL || undefined,
    neo4jUser: env.NEO4J_USER || undefined,
    neo4jPassword: env.NEO4J_PASSWORD,
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
    storage: storageOf(env, file, overrides),
    telemetry: {
      ...(file.telemetry as object | undefined),
      ...telemetryFromEnv(env),
      ...overrides.telemetry,
    },
    webhooks: {
      ...(file.webhooks as object | undefined),
      ...stripUndefined(
        Object.fromEntries(
          Object.entries(WEBHOOK_ENV).map(([f, name]) => [f, env[name]]),
        ),
      ),
      ...overrides.webhooks,
    },
  };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const at = issue.path.join('.') || '(root)';
      // A list's entry is named by its list's variable.
      const name =
        ENV_NAMES[at] ??
        ENV_NAMES[issue.path.filter((p) => typeof p !== 'number').join('.')];
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
    operatorTokens: [],
  };
}

/**
 * DP_OPERATOR_TOKENS: comma-separated `token[:subject]` entries, each
 * token at least 32 characters.
 */
function parseOperatorTokens(value: string): unknown[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [token = '', subject] = entry.split(':');
      return { token, subject: subject || 'operator' };
    });
}

function telemetryFromEnv(env: Env): Record<string, unknown> {
  return stripUndefined({
    // OTLP's own variables (the exporter reads the rest of them itself).
    otlpEndpoint:
      env.OTEL_SDK_DISABLED === 'true'
        ? undefined
        : env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
          env.OTEL_EXPORTER_OTLP_ENDPOINT ||
          undefined,
    serviceName: env.OTEL_SERVICE_NAME || undefined,
    analyticsSinkUrl: env.DP_ANALYTICS_SINK_URL || undefined,
    analyticsBatchSize: env.DP_ANALYTICS_BATCH_SIZE,
    analyticsFlushMs: env.DP_ANALYTICS_FLUSH_MS,
    analyticsBufferSize: env.DP_ANALYTICS_BUFFER_SIZE,
    analyticsRetries: env.DP_ANALYTICS_RETRIES,
  });
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

/** Storage settings: the file's, then DP_STORAGE and friends, then flags. */
function storageOf(
  env: Env,
  file: Record<string, unknown>,
  overrides: ConfigOverrides,
): Record<string, unknown> {
  const fromFile = (file.storage ?? {}) as Record<string, unknown>;
  const s3 = {
    ...(fromFile.s3 as object | undefined),
    ...stripUndefined({
      bucket: env.DP_S3_BUCKET || undefined,
      endpoint: env.DP_S3_ENDPOINT || undefined,
      region: env.DP_S3_REGION || undefined,
      forcePathStyle: toBoolean(env.DP_S3_FORCE_PATH_STYLE),
      tenantIsolation: env.DP_S3_TENANT_ISOLATION || undefined,
      bucketTemplate: env.DP_S3_BUCKET_TEMPLATE || undefined,
      prefix: env.DP_S3_PREFIX,
      createBuckets: toBoolean(env.DP_S3_CREATE_BUCKETS),
      downloads: env.DP_S3_DOWNLOADS || undefined,
    }),
    ...overrides.storage?.s3,
  };
  return {
    ...fromFile,
    ...stripUndefined({
      kind: env.DP_STORAGE || undefined,
      retentionDays: env.DP_RETENTION_DAYS || undefined,
      retentionByTenant: env.DP_RETENTION_TENANT_DAYS
        ? parseTenantDays(env.DP_RETENTION_TENANT_DAYS)
        : undefined,
      retentionIntervalSeconds: env.DP_RETENTION_INTERVAL_SECONDS || undefined,
    }),
    ...stripUndefined({ ...overrides.storage, s3: undefined }),
    s3,
  };
}

/** DP_RETENTION_TENANT_DAYS: `tenant=days,...`, e.g. `acme=90,globex=7`. */
function parseTenantDays(value: string): Record<string, string> {
  return Object.fromEntries(
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [tenant = '', days = ''] = entry.split('=');
        return [tenant.trim(), days.trim()];
      }),
  );
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
