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
  aboutCaller: boolean;
}

type Doc = {
  paths: Record<
    string,
    Record<string, { 'x-required-role'?: string; 'x-about-caller'?: boolean }>
  >;
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
  // The provenance routes are probed with the owner's real bundle.
  const digest = await bundleDigestOf(options, jobId);
  const checks: ProbeCheck[] = [];
  for (const op of operations) {
    if (op.requires === 'public') continue;
    // Every other id in the path is the owner's job's: no other tenant's
    // object of any kind may answer to it.
    const path = op.template
      .replace('{sha512}', digest)
      .replace(/\{[^}]+\}/g, jobId);
    const callers: [ProbeCheck['caller'], string | undefined, number[]][] = [
      ['anonymous', undefined, [401]],
      ['other-tenant', options.other.token, expectedForOther(op)],
    ];
    if (
      options.viewerToken &&
      (op.requires === 'exporter' || op.requires === 'admin')
    ) {
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
      aboutCaller: operation['x-about-caller'] === true,
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

/**
 * The SHA-512 of the owner's bundle once its job finishes (within about
 * 20 s), or a digest of zeros when it does not.
 */
async function bundleDigestOf(
  options: ProbeOptions,
  jobId: string,
): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const res = await fetch(new URL(`/jobs/${jobId}`, options.url), {
      headers: { authorization: `Bearer ${options.owner.token}` },
    });
    const job = (await res.json().catch(() => ({}))) as {
      status?: string;
      bundle?: { sha512?: string } | null;
    };
    if (job.status !== 'pending' && job.status !== 'running') {
      return job.bundle?.sha512 ?? '0'.repeat(128);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return '0'.repeat(128);
}

function exportBody(tenantId: string, from: Date, to: Date) {
  return {
    tenantId,
    dateRange: { from: from.toISOString(), to: to.toISOString() },
    artifacts: ['audit-events'],
  };
}

/**
 * What another tenant's token must get. An operation about the caller
 * alone (`x-about-caller`: a listing, a profile, its settings) answers it
 * 200 with its own data, which must not name the owner; a write of that
 * kind is sent without a body, so that the probe never changes a canary,
 * and must be refused as invalid (400, or 415 with no content type). A platform operator's route
 * refuses every tenant's token (403); anything else answers 404.
 */
function expectedForOther(op: Operation): number[] {
  if (op.requires === 'operator') return [403];
  if (!op.aboutCaller) return [404];
  return op.method === 'GET' ? [200] : [400, 415];
}

/**
 * The query a GET under /disclosures or an ingest under /evidence needs:
 * it names the owner's tenant, which another tenant's token must not
 * reach.
 */
function queryFor(op: Operation, owner: Canary): string {
  if (op.method === 'POST' && op.template.startsWith('/evidence/')) {
    return `?${new URLSearchParams({ tenantId: owner.tenantId }).toString()}`;
  }
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
  if (op.method === 'POST' && !op.aboutCaller) {
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
