/**
 * A field rule's path, compiled: dot-separated keys from the root of the
 * record, `*` for any one key, `**` for any number of keys (none too).
 * Array elements add no key, and a string holding JSON is transparent, so
 * `record.**.password` reaches a password in a stringified request body.
 * Keys compare without regard to case, since sources disagree on it
 * (CloudTrail writes both AccessKeyId and accessKeyId).
 */
export class FieldPath {
  private readonly segments: string[];
  /** The last literal key, checked first because it rules most paths out. */
  readonly lastKey: string | null;

  constructor(readonly source: string) {
    this.segments = source
      .replace(/^\$\.?/, '')
      .split('.')
      .map((s) => (s === '*' || s === '**' ? s : s.toLowerCase()));
    const last = this.segments.at(-1);
    this.lastKey = last === '*' || last === '**' ? null : (last ?? null);
  }

  /** True when the keys from the root match the path. */
  matches(keys: readonly string[]): boolean {
    const last = keys.at(-1)?.toLowerCase();
    if (this.lastKey !== null && last !== this.lastKey) return false;
    return matchFrom(this.segments, 0, keys, 0);
  }
}

function matchFrom(
  pattern: readonly string[],
  p: number,
  keys: readonly string[],
  k: number,
): boolean {
  if (p === pattern.length) return k === keys.length;
  const segment = pattern[p];
  if (segment === '**') {
    for (let skip = k; skip <= keys.length; skip += 1) {
      if (matchFrom(pattern, p + 1, keys, skip)) return true;
    }
    return false;
  }
  if (k === keys.length) return false;
  if (segment !== '*' && segment !== keys[k]?.toLowerCase()) return false;
  return matchFrom(pattern, p + 1, keys, k + 1);
}
