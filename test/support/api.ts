import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  loadConfig,
  type ConfigOverrides,
  type JobSettings,
} from '../../src/config/index.js';
import { startServer, type Server } from '../../src/cli/serve.js';
import { silentLogger, type Logger } from '../../src/telemetry/index.js';
import { expectToMatchContract } from './contract.js';
import { DATABASE_URL, dropSchemas, uniqueSchema } from './db.js';

export interface TestServer {
  server: Server;
  dataDir: string;
  /** The database schema of this server's tables. */
  schema: string;
  /**
   * Tokens for the two demo tenants (exporter+admin), one from a tenant
   * that does not exist, and a viewer of acme.
   */
  tokens: typeof TOKENS;
  call(method: string, pathname: string, init?: CallInit): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallInit {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  json: any;
  bytes: Buffer;
}

export const TOKENS = {
  acme: 'test-token-acme-0123456789',
  globex: 'test-token-globex-0123456789',
  stranger: 'test-token-stranger-0123456789',
  acmeViewer: 'test-token-acme-viewer-0123456789',
  acmeAdmin: 'test-token-acme-admin-0123456789',
};

/**
 * Starts the whole embedded product (API, queue, worker, demo tenants)
 * on a free port, on PostgreSQL when DATABASE_URL is set, else PGlite.
 * Every response that passes through `call` is held to the OpenAPI
 * document.
 */
export async function startTestServer(
  options: {
    now?: Date;
    backend?: 'pglite' | 'postgres';
    jobs?: Partial<JobSettings>;
    config?: ConfigOverrides;
    /** DP_FLAGS entries, e.g. 'disclosurePackager.api@globex=off'. */
    flags?: string;
    /** The built UI to serve; dist/web unless given. */
    webRoot?: string;
    /** False for an API without its worker (PostgreSQL only). */
    worker?: boolean;
    /** Where the server logs; nowhere unless given. */
    logger?: Logger;
  } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dp-api-'));
  const schema = uniqueSchema('api');
  const config = loadConfig(
    {
      dataDir,
      port: 0,
      databaseUrl:
        (options.backend ?? 'postgres') === 'postgres'
          ? DATABASE_URL
          : undefined,
      databaseSchema: schema,
      // CI names a login of the application's own kind (docs/security.md),
      // so that every API test runs its tenant-scoped queries under it.
      databaseAppUrl:
        (options.backend ?? 'postgres') === 'postgres'
          ? process.env.DATABASE_APP_URL || undefined
          : undefined,
      workerConcurrency: 1,
      jobs: { ...defaultJobSettings(), ...options.jobs },
      flags: options.flags ?? '',
      apiTokens: [
        { token: TOKENS.acme, tenantId: 'acme', subject: 'alice@acme' },
        { token: TOKENS.globex, tenantId: 'globex', subject: 'bob@globex' },
        { token: TOKENS.stranger, tenantId: 'nowhere', subject: 'eve' },
        {
          token: TOKENS.acmeViewer,
          tenantId: 'acme',
          subject: 'victor@acme',
          roles: ['viewer'],
        },
        {
          token: TOKENS.acmeAdmin,
          tenantId: 'acme',
          subject: 'ada@acme',
          roles: ['viewer', 'admin'],
        },
      ],
      ...options.config,
    },
    {},
  );
  const now = options.now ?? new Date();
  const server = await startServer(config, options.logger ?? silentLogger(), {
    now: () => now,
    webRoot: options.webRoot,
    worker: options.worker,
  });
  const call = async (
    method: string,
    pathname: string,
    init: CallInit = {},
  ) => {
    const reply = await request(server.url, method, pathname, init);
    const type = reply.headers.get('content-type');
    if (reply.status !== 206 || type !== 'application/zip') {
      expectToMatchContract(method, pathname, reply.status, type, reply.json);
    }
    return reply;
  };
  return {
    server,
    dataDir,
    schema,
    tokens: TOKENS,
    call,
    close: async () => {
      await server.close();
      await dropSchemas(schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function request(
  base: string,
  method: string,
  pathname: string,
  init: CallInit,
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? TOKENS.acme : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(new URL(pathname, base), { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const json: unknown = type.includes('json')
    ? JSON.parse(bytes.toString('utf8'))
    : null;
  return { status: res.status, headers: res.headers, json, bytes };
}

/** The job settings of the defaults, with a quick shutdown for tests. */
function defaultJobSettings(): JobSettings {
  return { ...loadConfig({}, {}).jobs, shutdownGraceSeconds: 0 };
}

/** Polls a job until it leaves pending/running, or fails the test. */
export async function waitForJob(
  api: TestServer,
  jobId: string,
  token = TOKENS.acme,
  timeoutMs = 30_000,
): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await api.call('GET', `/jobs/${jobId}`, { token });
    const status = (reply.json as { status: string }).status;
    if (status !== 'pending' && status !== 'running') return reply;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
