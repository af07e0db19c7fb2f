import { PackagerError } from './errors.js';

/** A half-open time window [from, to), compared in UTC. */
export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

// RFC 3339 §5.6 date-time: a full date, a time, and a zone (Z or offset).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instants a window may use: evidence is never older than 1970. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Parses one RFC 3339 timestamp strictly: impossible dates (February 30,
 * hour 24) are refused rather than rolled over, and so are instants outside
 * 1970–9999 once converted to UTC. Leap seconds (:60) are refused too, since
 * no evidence store keeps them apart from the second before.
 */
export function toInstant(value: string, field: string): Date {
  const parts = RFC3339.exec(value)
    ?.slice(1)
    .map((p) => p ?? '');
  const date = parts ? fromParts(parts) : null;
  if (!date) {
    throw new PackagerError(
      'DP_TIME_INVALID',
      `${field} must be an RFC 3339 date-time with a zone, such as ` +
        `2026-01-31T00:00:00Z; got ${JSON.stringify(value.slice(0, 64))}`,
    );
  }
  if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
    throw new PackagerError(
      'DP_TIME_INVALID',
      `${field} must lie between 1970-01-01T00:00:00Z and ` +
        `9999-12-31T23:59:59Z; got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

function fromParts(parts: string[]): Date | null {
  const [y, mo, d, h, mi, s, fraction, sign, oh, om] = parts;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leapFeb = month === 2 && day === 29 && !isLeapYear(year);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || leapFeb) {
    return null;
  }
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (sign && (Number(oh) > 23 || Number(om) > 59)) return null;
  const offsetMinutes = sign
    ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om))
    : 0;
  const millis = Math.floor(Number(`0${fraction || '.0'}`) * 1000);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  return new Date(date.getTime() + millis - offsetMinutes * 60_000);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
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
