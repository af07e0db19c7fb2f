import { PackagerError } from './errors.js';
import { hasSubMillisecond, toEvidenceTime } from './instant.js';

/** A half-open time window [from, to), compared in UTC. */
export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

/**
 * Parses one RFC 3339 timestamp strictly: impossible dates (February 30,
 * hour 24) are refused rather than rolled over, and so are instants outside
 * 1970–9999 once converted to UTC. A bound is an instant the caller picks,
 * so a leap second (:60) is refused here; evidence that states one is kept
 * (toEvidenceTime). Digits past the millisecond are cut, never rounded.
 */
export function toInstant(value: string, field: string): Date {
  const time = toEvidenceTime(value, field);
  if (time.leapSecond) {
    throw new PackagerError(
      'DP_TIME_INVALID',
      `${field} may not be a leap second; got ${JSON.stringify(value)}`,
    );
  }
  return new Date(time.getTime());
}

/** Builds a window from RFC 3339 strings, refusing one that is empty. */
export function toWindow(from: string, to: string): TimeWindow {
  refuseSubMillisecond(from, 'from');
  refuseSubMillisecond(to, 'to');
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

/**
 * Window bounds are whole milliseconds. Evidence times keep every digit
 * but are compared by the millisecond they fall in, which gives the exact
 * answer against a whole-millisecond bound (t >= b exactly when its
 * millisecond is >= b); against a finer bound it could not, so one is
 * refused rather than cut.
 */
function refuseSubMillisecond(value: string, field: string): void {
  if (!hasSubMillisecond(value)) return;
  throw new PackagerError(
    'DP_TIME_INVALID',
    `${field} is precise to the millisecond at most; got ` +
      JSON.stringify(value.slice(0, 64)),
  );
}
