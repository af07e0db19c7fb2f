import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** One export request, as the API takes it. */
export interface ExportRequest {
  tenantId: string;
  dateRange: { from: string; to: string };
  artifacts: string[];
}

// Fine enough against a 1 s target, light enough not to slow the worker.
const POLL_MS = 20;
const JOB_TIMEOUT_MS = 300_000;
const TERMINAL = new Set(['completed', 'failed', 'partial', 'cancelled']);

/**
 * Submits the same export `runs` times, one after another so no job waits
 * behind another, and returns each one's time from submit to completed.
 */
export async function timeApiExports(
  baseUrl: string,
  token: string,
  request: ExportRequest,
  runs: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    times.push(await timeOneExport(baseUrl, token, request));
  }
  return times;
}

async function timeOneExport(
  baseUrl: string,
  token: string,
  request: ExportRequest,
): Promise<number> {
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  };
  const started = performance.now();
  const submitted = await fetch(`${baseUrl}/disclosures/export`, {
    method: 'POST',
    headers,
    body: JSON.stringify(request),
  });
  if (submitted.status !== 202) {
    throw new Error(
      `submit answered ${submitted.status}: ${await submitted.text()}`,
    );
  }
  const { jobId } = (await submitted.json()) as { jobId: string };
  await waitForCompletion(baseUrl, headers, jobId);
  return performance.now() - started;
}

async function waitForCompletion(
  baseUrl: string,
  headers: Record<string, string>,
  jobId: string,
): Promise<void> {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/jobs/${jobId}`, { headers });
    if (!response.ok) {
      throw new Error(`job ${jobId} answered ${response.status}`);
    }
    const job = (await response.json()) as { status?: string };
    if (job.status === 'completed') return;
    if (job.status && TERMINAL.has(job.status)) {
      throw new Error(
        `job ${jobId} ended ${job.status}: ${JSON.stringify(job)}`,
      );
    }
    await sleep(POLL_MS);
  }
  throw new Error(`job ${jobId} not done within ${JOB_TIMEOUT_MS} ms`);
}
