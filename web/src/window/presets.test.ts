import { describe, expect, it } from 'vitest';
import { labelOf, toCustomWindow, tooLongFor, windowOf } from './presets';

const now = new Date('2026-12-03T15:30:00Z');

describe('windowOf', () => {
  it('ends the day presets at the next UTC midnight, today included', () => {
    expect(windowOf('last-7-days', now)).toEqual({
      from: new Date('2026-11-27T00:00:00Z'),
      to: new Date('2026-12-04T00:00:00Z'),
    });
  });

  it('makes last 90 days exactly 90 days long', () => {
    const { from, to } = windowOf('last-90-days', now);
    expect((to.getTime() - from.getTime()) / 86_400_000).toBe(90);
  });

  it('takes the previous calendar quarter', () => {
    expect(windowOf('last-quarter', now)).toEqual({
      from: new Date('2026-07-01T00:00:00Z'),
      to: new Date('2026-10-01T00:00:00Z'),
    });
  });

  it('takes the fourth quarter of last year in January', () => {
    expect(windowOf('last-quarter', new Date('2027-01-15T00:00:00Z'))).toEqual({
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('takes the previous calendar year', () => {
    expect(windowOf('last-year', now)).toEqual({
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2026-01-01T00:00:00Z'),
    });
  });
});

describe('labelOf', () => {
  it('names the quarter and the year it stands for', () => {
    expect(labelOf('last-quarter', now)).toBe('Last quarter (Q3 2026)');
    expect(labelOf('last-year', now)).toBe('Last year (2025)');
  });
});

describe('toCustomWindow', () => {
  it('reads both ends as UTC', () => {
    expect(toCustomWindow('2026-01-01T00:00', '2026-02-01T12:30', now)).toEqual(
      {
        window: {
          from: new Date('2026-01-01T00:00:00Z'),
          to: new Date('2026-02-01T12:30:00Z'),
        },
      },
    );
  });

  it('refuses an end before the start', () => {
    expect(toCustomWindow('2026-02-01T00:00', '2026-01-01T00:00', now)).toEqual(
      { error: 'The end must be after the start.' },
    );
  });

  it('refuses an empty window', () => {
    expect(toCustomWindow('2026-02-01T00:00', '2026-02-01T00:00', now)).toEqual(
      { error: 'The end must be after the start.' },
    );
  });

  it('refuses February 30', () => {
    expect(toCustomWindow('2026-02-30T00:00', '2026-03-05T00:00', now)).toEqual(
      { error: 'Enter a valid start date and time.' },
    );
  });

  it('refuses a window that starts in the future', () => {
    expect(toCustomWindow('2027-01-01T00:00', '2027-02-01T00:00', now)).toEqual(
      { error: 'The window starts in the future: it holds no evidence.' },
    );
  });

  it('refuses a start before 1970', () => {
    expect(toCustomWindow('1969-12-31T00:00', '1970-02-01T00:00', now)).toEqual(
      { error: 'The window cannot start before 1 January 1970.' },
    );
  });

  it('refuses a missing end', () => {
    expect(toCustomWindow('2026-01-01T00:00', '', now)).toEqual({
      error: 'Enter a valid end date and time.',
    });
  });
});

describe('tooLongFor', () => {
  const days = (n: number) => ({
    from: new Date('2020-01-01T00:00:00Z'),
    to: new Date(Date.UTC(2020, 0, 1 + n)),
  });

  it('accepts a window of exactly the longest length', () => {
    expect(tooLongFor(days(400), 400)).toBeNull();
  });

  it('names both lengths when the window is longer, counting a part day', () => {
    const window = days(2525);
    window.to = new Date(window.to.getTime() + 3_600_000);
    expect(tooLongFor(window, 400)).toBe(
      'The window spans 2526 days; the longest this service allows is 400. ' +
        'Choose a shorter window, or export it in parts.',
    );
  });
});
