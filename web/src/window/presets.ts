/** A half-open window [from, to) in UTC, as the API takes it. */
export interface Window {
  from: Date;
  to: Date;
}

export const PRESETS = [
  'last-7-days',
  'last-30-days',
  'last-90-days',
  'last-quarter',
  'last-year',
  'custom',
] as const;

export type Preset = (typeof PRESETS)[number];

const DAY = 86_400_000;

/** Midnight UTC of the day after `now`: day presets include today. */
function endOfTodayUtc(now: Date): Date {
  return new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1),
  );
}

/**
 * The window of a preset at `now`: whole UTC days for the day presets
 * (today included), the previous calendar quarter or year otherwise.
 */
export function windowOf(preset: Exclude<Preset, 'custom'>, now: Date): Window {
  const year = now.getUTCFullYear();
  switch (preset) {
    case 'last-7-days':
    case 'last-30-days':
    case 'last-90-days': {
      const days = Number(preset.split('-')[1]);
      const to = endOfTodayUtc(now);
      return { from: new Date(to.getTime() - days * DAY), to };
    }
    case 'last-quarter': {
      const quarter = Math.floor(now.getUTCMonth() / 3);
      return {
        from: new Date(Date.UTC(year, (quarter - 1) * 3, 1)),
        to: new Date(Date.UTC(year, quarter * 3, 1)),
      };
    }
    case 'last-year':
      return {
        from: new Date(Date.UTC(year - 1, 0, 1)),
        to: new Date(Date.UTC(year, 0, 1)),
      };
  }
}

/** The label of a preset, naming the quarter or year it stands for. */
export function labelOf(preset: Preset, now: Date): string {
  switch (preset) {
    case 'last-7-days':
      return 'Last 7 days';
    case 'last-30-days':
      return 'Last 30 days';
    case 'last-90-days':
      return 'Last 90 days';
    case 'last-quarter': {
      const { from } = windowOf(preset, now);
      const quarter = Math.floor(from.getUTCMonth() / 3) + 1;
      return `Last quarter (Q${quarter} ${from.getUTCFullYear()})`;
    }
    case 'last-year':
      return `Last year (${now.getUTCFullYear() - 1})`;
    case 'custom':
      return 'Custom';
  }
}

/**
 * Why a window is longer than the service accepts (GET /me gives the
 * limit), or null when it fits. Counted as the service counts it.
 */
export function tooLongFor(window: Window, maxDays: number): string | null {
  const days = (window.to.getTime() - window.from.getTime()) / DAY;
  if (days <= maxDays) return null;
  return (
    `The window spans ${Math.ceil(days)} days; the longest this service ` +
    `allows is ${maxDays}. Choose a shorter window, or export it in parts.`
  );
}

const EARLIEST = Date.UTC(1970, 0, 1);

/**
 * Reads a custom window from two `datetime-local` values taken as UTC,
 * or says in plain words why it is impossible.
 */
export function toCustomWindow(
  from: string,
  to: string,
  now: Date,
): { window: Window } | { error: string } {
  const start = parseUtc(from);
  const end = parseUtc(to);
  if (!start) return { error: 'Enter a valid start date and time.' };
  if (!end) return { error: 'Enter a valid end date and time.' };
  if (start.getTime() < EARLIEST) {
    return { error: 'The window cannot start before 1 January 1970.' };
  }
  if (end.getTime() <= start.getTime()) {
    return { error: 'The end must be after the start.' };
  }
  if (start.getTime() > now.getTime()) {
    return { error: 'The window starts in the future: it holds no evidence.' };
  }
  return { window: { from: start, to: end } };
}

// datetime-local gives "YYYY-MM-DDTHH:MM" (seconds optional) with no zone.
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

function parseUtc(value: string): Date | null {
  const m = LOCAL.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls February 30 over into March: refuse it instead.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  return date;
}

/** A Date as the value of a `datetime-local` input, in UTC. */
export function toInputValue(date: Date): string {
  return date.toISOString().slice(0, 16);
}
