/**
 * When failed deliveries are tried again: the delays after the first,
 * second, … failed attempt. Growing roughly exponentially and capped at
 * 20 hours, they span a little under three days (71 h 35 min without
 * jitter), after which the delivery is given up (docs/webhooks.md).
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,20h';

/** How much each delay is spread, either way, so retries do not align. */
export const RETRY_JITTER = 0.2;

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DELAY = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses `5s,5m,30m,2h` into milliseconds. An empty schedule means no
 * retries at all; a malformed entry throws, naming it.
 */
export function parseRetrySchedule(spec: string): number[] {
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length > 50) {
    throw new Error('a retry schedule has at most 50 delays');
  }
  return entries.map((entry) => {
    const match = DELAY.exec(entry);
    if (!match) {
      throw new Error(
        `${JSON.stringify(entry)} is not a delay such as 500ms, 5s, 5m, 2h or 1d`,
      );
    }
    const ms = Number(match[1]) * (UNITS[match[2] as string] ?? 0);
    if (ms > 7 * UNITS.d!) throw new Error(`${entry} is longer than 7 days`);
    return Math.round(ms);
  });
}

/**
 * The delay before the next attempt after `failedSoFar` failed ones, or
 * null when the schedule is spent. `random` in [0, 1) spreads it by
 * ±RETRY_JITTER; a receiver's Retry-After (429, 503) lengthens it.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  failedSoFar: number,
  options: { retryAfterMs?: number | null; random?: () => number } = {},
): number | null {
  const base = schedule[failedSoFar - 1];
  if (base === undefined) return null;
  const random = options.random ?? Math.random;
  const jittered = base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random());
  const asked = Math.min(options.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(jittered, asked));
}

// A receiver may ask for a pause, but not hold a delivery for longer.
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Reads Retry-After (RFC 9110 §10.2.3): seconds, or an HTTP date.
 * Null when absent or unreadable.
 */
export function retryAfterMs(
  header: string | undefined,
  now = Date.now(),
): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
