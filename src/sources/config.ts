import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { ARTIFACT_KINDS, PackagerError } from '../domain/index.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Where a connector's credential comes from; never the value itself. */
const authSchema = z
  .object({
    header: z.string().regex(HEADER, 'must be an HTTP header name'),
    /** Put before the secret, such as `Bearer`. */
    scheme: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => (a.env === undefined) !== (a.file === undefined), {
    message: 'name the secret with exactly one of env or file',
  });

const connectorSchema = z
  .object({
    name: z.string().regex(NAME, 'must be a lowercase slug'),
    tenant: z.string().min(1),
    kind: z.enum(ARTIFACT_KINDS),
    url: z.string().url(),
    auth: authSchema.optional(),
    timeoutMs: z.number().int().min(10).max(600_000).default(10_000),
    retries: z.number().int().min(0).max(20).default(3),
    retryBaseMs: z.number().int().min(1).max(600_000).default(500),
    /** Items asked for per page (the `limit` parameter). */
    pageSize: z.number().int().min(1).max(10_000).default(500),
    /** Largest response body read; a larger page is a contract breach. */
    maxPageBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 ** 3)
      .default(64 * 1024 ** 2),
  })
  .strict();

const fileSchema = z
  .object({ connectors: z.array(connectorSchema) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.connectors.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['connectors', i, 'name'],
          message: `the name ${c.name} is used twice`,
        });
      }
      seen.add(c.name);
    });
  });

export type ConnectorConfig = z.infer<typeof connectorSchema>;
export type ConnectorAuth = z.infer<typeof authSchema>;

type Env = Record<string, string | undefined>;

/**
 * Reads DP_CONNECTORS_FILE (YAML or JSON): `connectors:` a list of one
 * connector per tenant and kind (docs/connectors.md). Every problem is
 * reported at once; a secret that cannot be found stops start-up too, so
 * that a typo is not discovered by the first export.
 */
export function connectorsFromFile(
  file: string | undefined,
  env: Env = process.env,
): ConnectorConfig[] {
  if (!file) return [];
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw invalid(file, (cause as Error).message, cause);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw invalid(file, problems.join('; '));
  }
  const missing = parsed.data.connectors.flatMap((c) =>
    c.auth && secretProblem(c.auth, env)
      ? [`${c.name}: ${secretProblem(c.auth, env)}`]
      : [],
  );
  if (missing.length > 0) throw invalid(file, missing.join('; '));
  return parsed.data.connectors;
}

/** The header a connector sends its credential in, read when it is sent. */
export function authHeaderOf(
  auth: ConnectorAuth | undefined,
  env: Env = process.env,
): [string, string] | null {
  if (!auth) return null;
  const secret = auth.env
    ? (env[auth.env] ?? '')
    : readFileSync(auth.file as string, 'utf8').trim();
  return [auth.header, auth.scheme ? `${auth.scheme} ${secret}` : secret];
}

function secretProblem(auth: ConnectorAuth, env: Env): string | null {
  if (auth.env) {
    return env[auth.env] ? null : `the variable ${auth.env} is not set`;
  }
  try {
    readFileSync(auth.file as string, 'utf8');
    return null;
  } catch {
    return `the secret file ${auth.file} cannot be read`;
  }
}

function invalid(file: string, detail: string, cause?: unknown) {
  return new PackagerError(
    'DP_CONFIG_INVALID',
    `the connectors file ${file} is invalid: ${detail}`,
    { cause },
  );
}
