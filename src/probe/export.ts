import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { formatReport, verifyBundle } from '../bundle/index.js';
import type { ArtifactKind, TimeWindow } from '../domain/index.js';
import { parseTrustFile } from '../signing/index.js';

/** The phases of one probe run, in order. */
export const PROBE_PHASES = Object.freeze([
  'ready',
  'submit',
  'complete',
  'download',
  'verify',
] as const);

export type ProbePhase = (typeof PROBE_PHASES)[number];

export interface ExportProbeOptions {
  /** Base URL of the deployed API. */
  url: string;
  /** An exporter token of the canary tenant. */
  token: string;
  /** The canary tenant; the token's own (GET /me) when absent. */
  tenantId?: string;
  kinds: ArtifactKind[];
  /** The window exported: the last `windowDays` days. */
  windowDays: number;
  /** The whole run must end within this. */
  timeoutMs: number;
  pollMs?: number;
}

export interface ExportProbeResult {
  ok: boolean;
  /** Seconds each phase took, for the phases that ran. */
  phases: Partial<Record<ProbePhase, number>>;
  totalSeconds: number;
  /** The phase that failed and why, in plain words. */
  failure?: { phase: ProbePhase; message: string };
  jobId?: string;
  bundleBytes?: number;
}

class PhaseFailed extends Error {}

/**
 * Runs one export as a customer would: checks /readyz, submits a small
 * export for the canary tenant, polls it to completion, downloads the
 * bundle, its whole-ZIP signature and the published keys, and verifies
 * it with the `verify` command's own code. Never throws: a failure is
 * reported with the phase it happened in.
 */
export async function probeExport(
  options: ExportProbeOptions,
): Promise<ExportProbeResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const client = new ProbeClient(options.url, options.token, deadline);
  const result: ExportProbeResult = { ok: false, phases: {}, totalSeconds: 0 };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dp-probe-'));
  let phase: ProbePhase = 'ready';
  const timed = async <T>(name: ProbePhase, work: () => Promise<T>) => {
    phase = name;
    const at = Date.now();
    const value = await work();
    result.phases[name] = (Date.now() - at) / 1000;
    return value;
  };
  try {
    await timed('ready', () => client.expectReady());
    const window = windowOf(options.windowDays);
    const { jobId, tenantId } = await timed('submit', () =>
      client.submit(options, window),
    );
    result.jobId = jobId;
    await timed('complete', () => client.waitFor(jobId, options.pollMs));
    const download = await timed('download', () =>
      client.download(jobId, path.join(dir, 'bundle.zip')),
    );
    result.bundleBytes = download.bytes;
    await timed('verify', async () => {
      const report = await verifyBundle(download.file, {
        trust: parseTrustFile(download.trust),
        ...(download.zipSignature && { zipSignature: download.zipSignature }),
        expect: { tenant: tenantId, window },
      });
      if (!report.ok) throw new PhaseFailed(formatReport(report).trim());
    });
    result.ok = true;
  } catch (error) {
    result.failure = { phase, message: messageOf(error) };
  } finally {
    result.totalSeconds = (Date.now() - started) / 1000;
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

function windowOf(days: number): TimeWindow {
  // Whole seconds: the manifest states the window as RFC 3339 seconds.
  const to = new Date(Math.ceil(Date.now() / 1000) * 1000);
  return { from: new Date(to.getTime() - days * 24 * 3600 * 1000), to };
}

function messageOf(error: unknown): string {
  if (error instanceof PhaseFailed) return error.message;
  const name = (error as Error | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return 'the probe ran out of time (--timeout)';
  }
  const cause = (error as { cause?: { code?: string; message?: string } })
    ?.cause;
  const why = cause?.code ?? cause?.message;
  const detail = why ? ` (${why})` : '';
  return `${(error as Error).message}${detail}`;
}

/** The API calls of the probe, each bounded by the run's deadline. */
class ProbeClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly deadline: number,
  ) {}

  async expectReady(): Promise<void> {
    const res = await this.call('GET', '/readyz', { auth: false });
    if (res.status !== 200) {
      throw new PhaseFailed(
        `GET /readyz answered ${res.status}: ${await detailOf(res)}`,
      );
    }
    await res.body?.cancel();
  }

  async submit(
    options: ExportProbeOptions,
    window: TimeWindow,
  ): Promise<{ jobId: string; tenantId: string }> {
    const tenantId = options.tenantId ?? (await this.ownTenant());
    const res = await this.call('POST', '/disclosures/export', {
      body: {
        tenantId,
        dateRange: {
          from: window.from.toISOString(),
          to: window.to.toISOString(),
        },
        artifacts: options.kinds,
      },
    });
    const body = (await this.json(res, 202, 'POST /disclosures/export')) as {
      jobId: string;
    };
    return { jobId: body.jobId, tenantId };
  }

  async waitFor(jobId: string, pollMs = 500): Promise<void> {
    for (;;) {
      const res = await this.call('GET', `/jobs/${jobId}`);
      const job = (await this.json(res, 200, `GET /jobs/${jobId}`)) as {
        status: string;
        error?: { code: string; message: string } | null;
        warnings?: string[];
      };
      if (job.status === 'completed') return;
      if (job.status !== 'pending' && job.status !== 'running') {
        const why = job.error
          ? `${job.error.code}: ${job.error.message}`
          : (job.warnings ?? []).join('; ');
        throw new PhaseFailed(`the export ended ${job.status}: ${why}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async download(jobId: string, file: string) {
    const res = await this.call('GET', `/jobs/${jobId}/bundle`);
    if (res.status !== 200 || !res.body) {
      throw new PhaseFailed(
        `GET /jobs/${jobId}/bundle answered ${res.status}: ${await detailOf(res)}`,
      );
    }
    await pipeline(
      Readable.fromWeb(res.body as WebStream<Uint8Array>),
      createWriteStream(file),
    );
    const sig = await this.call('GET', `/jobs/${jobId}/bundle.sig`);
    // An Ed25519 key cannot sign a stream: then only SHA512SUMS.sig is.
    const zipSignature =
      sig.status === 200 ? Buffer.from(await sig.arrayBuffer()) : undefined;
    if (!zipSignature) await sig.body?.cancel();
    const keys = await this.call('GET', '/signing-keys', { auth: false });
    if (keys.status !== 200) {
      throw new PhaseFailed(`GET /signing-keys answered ${keys.status}`);
    }
    return {
      file,
      bytes: Number(res.headers.get('content-length') ?? 0),
      zipSignature,
      trust: await keys.text(),
    };
  }

  private async ownTenant(): Promise<string> {
    const res = await this.call('GET', '/me');
    return ((await this.json(res, 200, 'GET /me')) as { tenantId: string })
      .tenantId;
  }

  private async json(res: Response, status: number, what: string) {
    if (res.status !== status) {
      throw new PhaseFailed(
        `${what} answered ${res.status}: ${await detailOf(res)}`,
      );
    }
    return await res.json();
  }

  private call(
    method: string,
    pathname: string,
    init: { body?: unknown; auth?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (init.auth !== false) headers.authorization = `Bearer ${this.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(new URL(pathname, this.base), {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(Math.max(1, this.deadline - Date.now())),
    });
  }
}

/** A problem's detail, or the start of whatever else came back. */
async function detailOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { code?: string; detail?: string };
    if (problem.detail) return `${problem.code ?? ''} ${problem.detail}`.trim();
  } catch {
    // Not JSON: a proxy's page, say.
  }
  return text.slice(0, 200) || '(empty answer)';
}
