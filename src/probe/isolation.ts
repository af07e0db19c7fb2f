/** One tenant's credentials for the probe. */
export interface Canary {
  tenantId: string;
  token: string;
}

export interface ProbeOptions {
  /** Base URL of the deployed API. */
  url: string;
  /** The tenant whose data must not leak; a job is created for it. */
  owner: Canary;
  /** Another tenant, whose token must see none of the owner's data. */
  other: Canary;
  /** A viewer-only token of the owner's tenant, to check exporter routes. */
  viewerToken?: string;
}

/** The outcome of one call. */
export interface ProbeCheck {
  operation: string;
  caller: 'anonymous' | 'other-tenant' | 'viewer';
  expected: number[];
  status: number;
  /** Why the answer counts as a leak; null when it was the right refusal. */
  leak: string | null;
}

interface Operation {
  method: string;
  template: string;
  requires: string;
}

type Doc = {
  paths: Record<string, Record<string, { 'x-required-role'?: string }>>;
};

// Keys of a job that only its tenant may see.
const JOB_KEYS = ['jobId', 'requestedBy', 'bundle', 'dateRange', 'counts'];

/**
 * Discovers every operation from the instance's OpenAPI document, makes
 * one job for the owner, then calls each secured operation without
 * credentials, with the other tenant's token and (where an exporter is
 * needed) with a viewer's, and reports any answer that is not the right
 * refusal or that carries the owner's data.
 */
export async function probeIsolation(
  options: ProbeOptions,
): Promise<ProbeCheck[]> {
  const operations = await discover(options.url);
  const jobId = await createJob(options);
  const checks: ProbeCheck[] = [];
  for (const op of operations) {
    if (op.requires === 'public') continue;
    // Every id in the path is the owner's job's: no other tenant's
    // object of any kind may answer to it.
    const path = op.template.replace(/\{[^}]+\}/g, jobId);
    const callers: [ProbeCheck['caller'], string | undefined, number[]][] = [
      ['anonymous', undefined, [401]],
      ['other-tenant', options.other.token, expectedForOther(op)],
    ];
    if (options.viewerToken && BEYOND_VIEWER.has(op.requires)) {
      callers.push(['viewer', options.viewerToken, [403]]);
    }
    for (const [caller, token, expected] of callers) {
      checks.push(
        await probe(options, op, path, jobId, caller, token, expected),
      );
    }
  }
  return checks;
}

async function discover(url: string): Promise<Operation[]> {
  const res = await fetch(new URL('/openapi.json', url));
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  const doc = (await res.json()) as Doc;
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      requires: operation['x-required-role'] ?? 'viewer',
    })),
  );
}

async function createJob(options: ProbeOptions): Promise<string> {
  const to = new Date();
  const from = new Date(to.getTime() - 24 * 3600 * 1000);
  const res = await fetch(new URL('/disclosures/export', options.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.owner.token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(exportBody(options.owner.tenantId, from, to)),
  });
  const body = (await res.json()) as { jobId?: string };
  if (res.status !== 202 || !body.jobId) {
    throw new Error(
      `the owner's token could not create an export (${res.status})`,
    );
  }
  return body.jobId;
}

function exportBody(tenantId: string, from: Date, to: Date) {
  return {
    tenantId,
    dateRange: { from: from.toISOString(), to: to.toISOString() },
    artifacts: ['audit-events'],
  };
}

// Operations that answer about the caller alone: another tenant's token
// gets 200 with its own data, which must not name the owner.
const ABOUT_THE_CALLER = new Set(['GET /jobs', 'GET /me', 'GET /webhooks']);

// Operations that create something in the caller's own tenant: the
// probe's body (an export request) is not one they accept.
const CREATES_FOR_THE_CALLER = new Set(['POST /webhooks']);

// Roles a viewer's token must be refused with 403.
const BEYOND_VIEWER = new Set(['exporter', 'admin']);

/**
 * The caller's own listing or profile answers 200, a creation in its own
 * tenant refuses the probe's body with 400; the rest answers 404.
 */
function expectedForOther(op: Operation): number[] {
  const key = `${op.method} ${op.template}`;
  if (ABOUT_THE_CALLER.has(key)) return [200];
  return CREATES_FOR_THE_CALLER.has(key) ? [400] : [404];
}

/**
 * The query a GET under /disclosures needs: it names the owner's tenant,
 * which another tenant's token must not reach.
 */
function queryFor(op: Operation, owner: Canary): string {
  if (op.method !== 'GET' || !op.template.startsWith('/disclosures/')) {
    return '';
  }
  const to = new Date();
  const from = new Date(to.getTime() - 24 * 3600 * 1000);
  const query = new URLSearchParams({
    tenantId: owner.tenantId,
    from: from.toISOString(),
    to: to.toISOString(),
  });
  return `?${query.toString()}`;
}

async function probe(
  options: ProbeOptions,
  op: Operation,
  path: string,
  jobId: string,
  caller: ProbeCheck['caller'],
  token: string | undefined,
  expected: number[],
): Promise<ProbeCheck> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (op.method === 'POST') {
    headers['content-type'] = 'application/json';
    // The export names the owner's tenant: the other token must not
    // reach it.
    const now = new Date();
    body = JSON.stringify(
      exportBody(options.owner.tenantId, new Date(now.getTime() - 1000), now),
    );
  }
  const res = await fetch(
    new URL(path + queryFor(op, options.owner), options.url),
    {
      method: op.method,
      headers,
      body,
      redirect: 'manual',
    },
  );
  const text = await res.text();
  const operation = `${op.method} ${op.template}`;
  return {
    operation,
    caller,
    expected,
    status: res.status,
    leak: leakOf(res, text, expected, options.owner, jobId),
  };
}

function leakOf(
  res: Response,
  text: string,
  expected: number[],
  owner: Canary,
  jobId: string,
): string | null {
  if (!expected.includes(res.status)) {
    return `answered ${res.status}, expected ${expected.join(' or ')}`;
  }
  const type = res.headers.get('content-type') ?? '';
  if (res.status >= 400 && !type.includes('application/problem+json')) {
    return `a refusal that is not a problem document (${type})`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'a body that is not JSON';
  }
  if (res.status === 200) {
    if (text.includes(jobId)) return "the owner's job is listed";
    return text.includes(`"${owner.tenantId}"`)
      ? "the answer names the owner's tenant"
      : null;
  }
  const keys = Object.keys(parsed as object);
  const found = JOB_KEYS.filter((k) => keys.includes(k));
  if (found.length > 0) return `the refusal carries ${found.join(', ')}`;
  if (text.includes(`"${owner.tenantId}"`) || text.includes(owner.token)) {
    return "the refusal names the owner's tenant or token";
  }
  return null;
}
