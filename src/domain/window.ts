import { PackagerError } from './errors.js';

/** A half-open time window [from, to), compared in UTC. */
export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

// RFC 3339 date-time: a full date, a time, and a zone (Z or an offset).
const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses one RFC 3339 timestamp; throws DP_TIME_INVALID otherwise. */
export function toInstant(value: string, field: string): Date {
  const date = RFC3339.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    throw new PackagerError(
      'DP_TIME_INVALID',
      `${field} must be an RFC 3339 date-time with a zone, such as ` +
        `2026-01-31T00:00:00Z; got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

/** Builds a window from RFC 3339 strings, refusing one that is empty. */
export function toWindow(from: string, to: string): TimeWindow {
  const window = { from: toInstant(from, 'from'), to: toInstant(to, 'to') };
  if (window.to.getTime() <= window.from.getTime()) {
    throw new PackagerError(
      'DP_WINDOW_INVERTED',
      `the window's end (${window.to.toISOString()}) must be after its ` +
        `start (${window.from.toISOString()})`,
    );
  }
  return window;
}

/** True when the instant lies in [from, to). */
export function isInWindow(window: TimeWindow, instant: Date): boolean {
  const t = instant.getTime();
  return t >= window.from.getTime() && t < window.to.getTime();
}
