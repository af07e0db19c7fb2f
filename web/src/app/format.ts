/** Bytes in the units people read: 1.2 MB (decimal, as disks are sold). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** An instant in UTC, to the minute: 2026-03-01 00:00 UTC. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An instant in the browser's time zone, naming the zone. */
export function formatLocal(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    // dateStyle cannot be combined with timeZoneName, so the fields are
    // named one by one.
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  }).format(date);
}

/** The browser's IANA time zone, e.g. Europe/Berlin. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Seconds as "about 3 min" or "12 s". */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.round(minutes / 60)} h`;
}

/** The kinds' names as people say them. */
export const KIND_LABELS: Record<string, string> = {
  'audit-events': 'Audit events',
  sboms: 'SBOMs',
  attestations: 'Attestations',
  signatures: 'Signatures',
  'policy-reports': 'Policy reports',
};
