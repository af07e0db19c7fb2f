import { PackagerError } from './errors.js';

// RFC 3339 §5.6 date-time: a full date, a time, and a zone (Z or offset).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instants evidence and windows may use: 1970 to the end of 9999. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// Every leap second IERS has inserted (Bulletin C), as the UTC day that
// ended with 23:59:60. The table is how a flag tells a real one from a
// typo; both are kept.
const LEAP_SECOND_DAYS: ReadonlySet<string> = new Set(
  [
    '1972-06-30', '1972-12-31', '1973-12-31', '1974-12-31', '1975-12-31',
    '1976-12-31', '1977-12-31', '1978-12-31', '1979-12-31', '1981-06-30',
    '1982-06-30', '1983-06-30', '1985-06-30', '1987-12-31', '1989-12-31',
    '1990-12-31', '1992-06-30', '1993-06-30', '1994-06-30', '1995-12-31',
    '1997-06-30', '1998-12-31', '2005-12-31', '2008-12-31', '2012-06-30',
    '2015-06-30', '2016-12-31',
  ], // prettier-ignore
);

/**
 * An instant of evidence as it was written. As a Date it is the
 * millisecond the instant falls in (the fraction is cut, never rounded,
 * so comparing it with a millisecond window bound gives the same answer
 * as comparing the full value). `exact` keeps what a Date cannot: every
 * fraction digit written, and a leap second as 23:59:60, in UTC.
 */
export class EvidenceTime extends Date {
  constructor(
    millis: number,
    /** The instant in UTC with all its digits; 3 at least, as ISO 8601. */
    readonly exact: string,
    /** True for 23:59:60: ordered as the last millisecond of its day. */
    readonly leapSecond: boolean,
    /** False for a leap second on a day IERS never gave one. */
    readonly knownLeapSecond: boolean,
  ) {
    super(millis);
  }
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetMinutes: number;
}

/**
 * Reads an RFC 3339 time of evidence strictly: impossible dates (February
 * 30, hour 24) are refused rather than rolled over, and so are instants
 * outside 1970–9999 in UTC. A leap second (23:59:60 in UTC, RFC 3339
 * §5.7) is kept, flagged, and ordered as the last millisecond of its day.
 */
export function toEvidenceTime(value: string, field: string): EvidenceTime {
  const parts = toParts(value);
  const time = parts ? fromParts(parts) : null;
  if (!time) throw notRfc3339(value, field);
  const millis = time.getTime();
  if (millis < EARLIEST || millis > LATEST) {
    throw new PackagerError(
      'DP_TIME_INVALID',
      `${field} must lie between 1970-01-01T00:00:00Z and ` +
        `9999-12-31T23:59:59Z; got ${JSON.stringify(value)}`,
    );
  }
  return time;
}

/** True when the text names an instant more precisely than a millisecond. */
export function hasSubMillisecond(value: string): boolean {
  const fraction = toParts(value)?.fraction ?? '';
  return /[1-9]/.test(fraction.slice(3));
}

function toParts(value: string): Parts | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om] = m;
  const offset = sign ? Number(oh) * 60 + Number(om) : 0;
  if (sign && (Number(oh) > 23 || Number(om) > 59)) return null;
  return {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    fraction: fraction ?? '',
    offsetMinutes: sign === '-' ? -offset : offset,
  };
}

function fromParts(p: Parts): EvidenceTime | null {
  const daysInMonth = new Date(Date.UTC(2000, p.month, 0)).getUTCDate();
  const leapFeb = p.month === 2 && p.day === 29 && !isLeapYear(p.year);
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth) {
    return null;
  }
  if (leapFeb || p.hour > 23 || p.minute > 59 || p.second > 60) return null;
  const leap = p.second === 60;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const local = new Date(
    Date.UTC(2000, p.month - 1, p.day, p.hour, p.minute, leap ? 59 : p.second),
  );
  local.setUTCFullYear(p.year);
  const utc = local.getTime() - p.offsetMinutes * 60_000;
  const millis = Number(p.fraction.slice(0, 3).padEnd(3, '0'));
  if (!leap) {
    const iso = new Date(utc + millis).toISOString();
    const exact =
      p.fraction.length > 3 ? `${iso.slice(0, 20)}${p.fraction}Z` : iso;
    return new EvidenceTime(utc + millis, exact, false, false);
  }
  // A leap second is 23:59:60 in UTC, whatever offset it was written in.
  const second = new Date(utc).toISOString();
  if (!second.endsWith('T23:59:59.000Z')) return null;
  const day = second.slice(0, 10);
  const digits = p.fraction.padEnd(3, '0');
  return new EvidenceTime(
    utc + 999,
    `${day}T23:59:60.${digits}Z`,
    true,
    LEAP_SECOND_DAYS.has(day),
  );
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function notRfc3339(value: string, field: string): PackagerError {
  return new PackagerError(
    'DP_TIME_INVALID',
    `${field} must be an RFC 3339 date-time with a zone, such as ` +
      `2026-01-31T00:00:00Z; got ${JSON.stringify(value.slice(0, 64))}`,
  );
}

/** The instant in UTC with every digit it was written with. */
export function exactTimeOf(time: Date): string {
  return time instanceof EvidenceTime ? time.exact : time.toISOString();
}

/** What to say about a time that was kept as written but is unusual. */
export function leapSecondWarning(time: Date): string | null {
  if (!(time instanceof EvidenceTime) || !time.leapSecond) return null;
  const known = time.knownLeapSecond
    ? 'a leap second'
    : 'a leap second on a day IERS announced none';
  return (
    `${time.exact} is ${known}; kept as written and ordered as ` +
    `${time.toISOString()}`
  );
}
