import { Router } from 'express';
import { PackagerError } from '../domain/index.js';
import type { Metrics } from '../telemetry/index.js';
import { sendProblem } from './problem.js';

/** What the service needs to do its work, each checked by /readyz. */
export const READINESS_CHECKS = Object.freeze([
  'database',
  'storage',
  'queue',
] as const);

export type ReadinessName = (typeof READINESS_CHECKS)[number];

/** One dependency's check: resolves when it answered, throws if not. */
export type ReadinessProbe = () => Promise<unknown>;

export interface CheckResult {
  name: ReadinessName;
  status: 'ok' | 'failed';
  durationMs: number;
  /** Why it failed: a code or an error class, never a host or a secret. */
  reason?: string;
}

// A load balancer waits a few seconds at most; so do we.
const CHECK_TIMEOUT_MS = 2000;

/** Runs every check at once, each bounded by CHECK_TIMEOUT_MS. */
export async function checkReadiness(
  probes: Record<ReadinessName, ReadinessProbe>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<CheckResult[]> {
  return Promise.all(
    READINESS_CHECKS.map((name) => runCheck(name, probes[name], timeoutMs)),
  );
}

async function runCheck(
  name: ReadinessName,
  probe: ReadinessProbe,
  timeoutMs: number,
): Promise<CheckResult> {
  const started = process.hrtime.bigint();
  const elapsed = () =>
    Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([probe(), timeout]);
    return { name, status: 'ok', durationMs: elapsed() };
  } catch (error) {
    return {
      name,
      status: 'failed',
      durationMs: elapsed(),
      reason: reasonOf(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

class TimeoutError extends Error {}

function reasonOf(error: unknown): string {
  if (error instanceof TimeoutError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  return error instanceof Error ? error.constructor.name : 'unknown error';
}

/**
 * GET /healthz: the process is alive and serving (no dependency checked,
 * so a database outage does not get every replica restarted).
 * GET /readyz: the database, object store and queue all answer; 503 with
 * a problem listing the checks when one does not, so a load balancer
 * takes the replica out of rotation until it recovers.
 */
export function healthRoutes(
  probes: Record<ReadinessName, ReadinessProbe>,
  metrics: Metrics,
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const checks = await checkReadiness(probes);
    const failed = checks.filter((c) => c.status === 'failed');
    for (const check of failed)
      metrics.readinessFailures.inc({ check: check.name });
    res.set('Cache-Control', 'no-store');
    if (failed.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(
      res,
      new PackagerError(
        'DP_NOT_READY',
        `not ready: ${failed.map((c) => `${c.name} (${c.reason ?? 'failed'})`).join(', ')}`,
        { details: { checks } },
      ),
      req.path,
    );
  });
  return router;
}
