import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PackagerError } from '../domain/index.js';
import { Failpoints } from '../jobs/failpoints.js';

const tokenSchema = z.object({
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  tenantId: z.string().min(1),
  subject: z.string().min(1),
});

const count = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

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
  failpoints: 'DP_FAILPOINTS',
};

// Names that problems with a setting are reported under, beside its path.
const ENV_NAMES: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(JOB_ENV).map(([field, name]) => [`jobs.${field}`, name]),
  ),
  port: 'DP_PORT',
  workerConcurrency: 'DP_WORKER_CONCURRENCY',
  databaseUrl: 'DATABASE_URL',
  databaseSchema: 'DP_DATABASE_SCHEMA',
  flagsFile: 'DP_FLAGS_FILE',
  flags: 'DP_FLAGS',
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
  seedDemo: z.boolean(),
  signingKeyPassword: z.string().optional(),
  apiTokens: z.array(tokenSchema),
  jobs: jobsSchema,
  /** A JSON file of feature flag rules; docs/operations.md shows one. */
  flagsFile: z.string().min(1).optional(),
  /** `flag=on|off` and `flag@tenant=on|off` entries over the file's. */
  flags: z.string().default(''),
});

/** The product's one configuration object, validated at start-up. */
export type Config = z.infer<typeof configSchema>;
export type ApiToken = z.infer<typeof tokenSchema>;

type Env = Record<string, string | undefined>;

/**
 * Builds the configuration: explicit overrides (CLI flags), then `DP_*`
 * environment variables, then the JSON file named by DP_CONFIG_FILE, then
 * defaults. Every problem is reported at once.
 */
export function loadConfig(
  overrides: Partial<Config> = {},
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
    seedDemo: toBoolean(env.DP_SEED_DEMO),
    signingKeyPassword: env.DP_SIGNING_KEY_PASSWORD,
    apiTokens: env.DP_API_TOKENS ? parseTokens(env.DP_API_TOKENS) : undefined,
    flagsFile: env.DP_FLAGS_FILE || undefined,
    flags: env.DP_FLAGS,
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

/** DP_API_TOKENS: comma-separated `token=tenant[:subject]` entries. */
function parseTokens(value: string): unknown[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [token = '', binding = ''] = entry.split('=');
      const [tenantId = '', subject] = binding.split(':');
      return { token, tenantId, subject: subject ?? `token:${tenantId}` };
    });
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
