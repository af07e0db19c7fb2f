import { describe, expect, it } from 'vitest';
import {
  isInWindow,
  leapSecondWarning,
  toEvidenceTime,
  toInstant,
  toWindow,
} from '../../src/domain/index.js';

describe('toInstant', () => {
  it.each([
    ['2026-01-31T00:00:00Z', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31t10:20:30.123456789z', '2026-01-31T10:20:30.123Z'],
    ['2026-01-01T05:30:00+05:30', '2026-01-01T00:00:00.000Z'],
    ['2025-12-31T19:00:00-05:00', '2026-01-01T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(toInstant(text, 'from').toISOString()).toBe(iso);
  });

  it.each([
    ['an impossible day', '2026-02-30T00:00:00Z'],
    ['February 29 of a common year', '2026-02-29T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['no zone', '2026-01-01T00:00:00'],
    ['a date alone', '2026-01-01'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['a year before 1970', '0050-06-15T00:00:00Z'],
    ['an instant past 9999 in UTC', '9999-12-31T23:59:59-14:00'],
    ['an offset of 24 hours', '2026-01-01T00:00:00+24:00'],
    ['a number-like string', '1700000000'],
  ])('refuses %s', (_what, text) => {
    expect(() => toInstant(text, 'from')).toThrow(
      expect.objectContaining({ code: 'DP_TIME_INVALID' }),
    );
  });
});

describe('toWindow', () => {
  it('refuses a window that ends where it starts', () => {
    expect(() =>
      toWindow('2026-01-01T00:00:00Z', '2026-01-01T05:30:00+05:30'),
    ).toThrow(expect.objectContaining({ code: 'DP_WINDOW_INVERTED' }));
  });

  it('is half-open: from is in, to is out', () => {
    const window = toWindow('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
    expect(isInWindow(window, new Date('2026-01-01T00:00:00Z'))).toBe(true);
    expect(isInWindow(window, new Date('2026-01-31T23:59:59.999Z'))).toBe(true);
    expect(isInWindow(window, new Date('2026-02-01T00:00:00Z'))).toBe(false);
  });
});

describe('toWindow with digits past the millisecond', () => {
  it('accepts zeros there', () => {
    const window = toWindow(
      '2026-01-01T00:00:00.000000Z',
      '2026-01-02T00:00:00.000000000Z',
    );
    expect(window.from.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses a bound finer than a millisecond rather than cut it', () => {
    expect(() =>
      toWindow('2026-01-01T00:00:00.0000001Z', '2026-01-02T00:00:00Z'),
    ).toThrow(
      expect.objectContaining({
        code: 'DP_TIME_INVALID',
        message: expect.stringContaining(
          'precise to the millisecond',
        ) as string,
      }),
    );
  });
});

describe('toEvidenceTime', () => {
  it('keeps every fraction digit in UTC, cutting the Date to its millisecond', () => {
    const time = toEvidenceTime('2026-01-01T05:30:00.9999999+05:30', 't');
    expect(time.exact).toBe('2026-01-01T00:00:00.9999999Z');
    expect(time.toISOString()).toBe('2026-01-01T00:00:00.999Z');
  });

  it('keeps a leap second written with an offset, as 23:59:60 UTC', () => {
    const time = toEvidenceTime('2016-12-31T18:59:60-05:00', 't');
    expect(time).toMatchObject({
      exact: '2016-12-31T23:59:60.000Z',
      leapSecond: true,
      knownLeapSecond: true,
    });
    expect(leapSecondWarning(time)).toBe(
      '2016-12-31T23:59:60.000Z is a leap second; kept as written and ' +
        'ordered as 2016-12-31T23:59:59.999Z',
    );
  });

  it('flags a leap second on a day that had none', () => {
    const time = toEvidenceTime('2026-03-01T23:59:60Z', 't');
    expect(leapSecondWarning(time)).toContain('IERS announced none');
  });

  it('refuses second 60 anywhere but the last minute of a UTC day', () => {
    expect(() => toEvidenceTime('2016-12-31T12:00:60Z', 't')).toThrow(
      expect.objectContaining({ code: 'DP_TIME_INVALID' }),
    );
  });
});
