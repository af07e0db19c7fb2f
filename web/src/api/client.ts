import type { Estimate, Job, JobList, JobStatus, Me, Problem } from './types';

/** Why a call failed: the API said no, or it could not be reached. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: 'problem' | 'unreachable',
    readonly problem: Problem | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number | null {
    return this.problem?.status ?? null;
  }
}

/**
 * The API, called from the page's own origin with the signed-in token in
 * the Authorization header (never in a URL, so it stays out of logs and
 * history).
 */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly base = '',
  ) {}

  me(): Promise<Me> {
    return this.json('GET', '/me');
  }

  estimate(tenantId: string, from: string, to: string): Promise<Estimate> {
    const query = new URLSearchParams({ tenantId, from, to });
    return this.json('GET', `/disclosures/estimate?${query}`);
  }

  startExport(body: {
    tenantId: string;
    dateRange: { from: string; to: string };
    artifacts: string[];
  }): Promise<{ jobId: string }> {
    return this.json('POST', '/disclosures/export', body);
  }

  job(id: string): Promise<Job> {
    return this.json('GET', `/jobs/${encodeURIComponent(id)}`);
  }

  jobs(status: JobStatus | null, cursor: string | null): Promise<JobList> {
    const query = new URLSearchParams({ limit: '25' });
    if (status) query.set('status', status);
    if (cursor) query.set('cursor', cursor);
    return this.json('GET', `/jobs?${query}`);
  }

  cancel(id: string): Promise<Job> {
    return this.json('POST', `/jobs/${encodeURIComponent(id)}/cancel`);
  }

  retry(id: string): Promise<Job> {
    return this.json('POST', `/jobs/${encodeURIComponent(id)}/retry`);
  }

  /** The bundle's bytes; the browser keeps a large Blob on disk. */
  async bundle(job: Job): Promise<Blob> {
    // A viewer gets no signed link; the token route then answers 403.
    const res = await this.send(
      'GET',
      job.bundle?.downloadUrl ??
        `/jobs/${encodeURIComponent(job.jobId)}/bundle`,
    );
    return res.blob();
  }

  private async json<T>(method: string, path: string, body?: unknown) {
    const res = await this.send(method, path, body);
    return (await res.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(
        'The Disclosure Packager service could not be reached.',
        'unreachable',
      );
    }
    if (!res.ok) throw await problemOf(res);
    return res;
  }
}

async function problemOf(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const problem = (await res.json()) as Problem;
    return new ApiError(problem.detail || problem.title, 'problem', problem);
  }
  // A proxy in front of the service answered, not the service itself.
  return new ApiError(
    `The service answered ${res.status} ${res.statusText}.`,
    res.status >= 500 ? 'unreachable' : 'problem',
  );
}
