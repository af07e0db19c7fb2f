import { createHash } from 'node:crypto';

/** The label every sample document carries, in whatever form its format has. */
export const SAMPLE_LABEL = 'disclosure-packager.dev/sample';

/** Our own URL space for sample build types, builders and sources. */
export const SAMPLE_URL = 'https://disclosure-packager.dev/samples';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Length of the window, before `now`, that sample evidence is dated in. */
export const SAMPLE_WINDOW_MS = 30 * DAY_MS;

/**
 * A deterministic source of bytes for one (tenant, now) pair. SHA-256 in
 * counter mode is plenty for sample data and needs no dependency; it is not
 * meant to be unpredictable, only repeatable.
 */
export class SampleSeed {
  private counter = 0;

  constructor(private readonly label: string) {}

  /** A child seed whose stream is independent of this one's. */
  derive(purpose: string): SampleSeed {
    return new SampleSeed(`${this.label}/${purpose}`);
  }

  /** The next 32 bytes of the stream. */
  next(): Buffer {
    const block = createHash('sha256')
      .update(`${this.label}#${this.counter}`)
      .digest();
    this.counter += 1;
    return block;
  }

  /** An integer in [0, max), max at most 2^48. */
  int(max: number): number {
    return this.next().readUIntBE(0, 6) % max;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    const item = list[this.int(list.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /**
   * A UUID built from the stream, marked as version 8 (RFC 9562 section
   * 5.8, "custom") so no reader mistakes it for a random or time-based one.
   */
  uuid(): string {
    const bytes = this.next().subarray(0, 16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return [
      hex.slice(0, 8),
      hex.slice(8, 12),
      hex.slice(12, 16),
      hex.slice(16, 20),
      hex.slice(20),
    ].join('-');
  }
}

/** The seed for a tenant at a given instant. */
export function seedFor(tenantId: string, now: Date): SampleSeed {
  return new SampleSeed(
    `disclosure-packager sample ${tenantId} ${now.toISOString()}`,
  );
}

/** RFC 3339 in UTC with whole seconds, as most of our formats write it. */
export function toSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace('.000Z', 'Z');
}

/** RFC 3339 in UTC with microseconds, as the Kubernetes audit log writes it. */
export function toMicros(us: number): string {
  const whole = new Date(Math.floor(us / 1_000_000) * 1000).toISOString();
  const fraction = String(us % 1_000_000).padStart(6, '0');
  return `${whole.slice(0, 19)}.${fraction}Z`;
}

/** A time `daysAgo` days before `now`, moved by up to an hour of jitter. */
export function daysBefore(now: Date, daysAgo: number, seed: SampleSeed) {
  return now.getTime() - daysAgo * DAY_MS + seed.int(60 * 60 * 1000);
}
