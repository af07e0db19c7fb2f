import { describe, expect, it } from 'vitest';
import { isInWindow, toInstant, toWindow } from '../../src/domain/index.js';

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
