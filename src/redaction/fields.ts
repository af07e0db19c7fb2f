// Field names whose values are versions, digests, times, ids, counts,
// ports or user agents (which carry product versions): dotted numbers and
// digit runs there are never addresses, phone numbers or card numbers.
// E-mail, IPv6 and secret detectors still run in them.
const QUIET_WORDS = [
  'version',
  'hash',
  'digest',
  'checksum',
  'sha1',
  'sha256',
  'sha512',
  'md5',
  'integrity',
  'uid',
  'uuid',
  'id',
  'ids',
  'time',
  'timestamp',
  'date',
  'serial',
  'fingerprint',
  'etag',
  'revision',
  'generation',
  'count',
  'size',
  'port',
  'oid',
  'agent',
];

// The word alone, after a separator, or as a camelCase tail.
const QUIET = new RegExp(
  `(?:^|[_\\-.\\s])(?:${QUIET_WORDS.join('|')})$|[a-z0-9](?:${QUIET_WORDS.map(
    (w) => w[0]?.toUpperCase() + w.slice(1),
  ).join('|')}|ID)$`,
);

// Field names repeat in every record: each is judged once. Bounded, so
// records with ever-new keys cannot grow it without limit.
const judged = new Map<string, boolean>();
const JUDGED_MAX = 10_000;

/** True for a field whose numbers are not personal data (see above). */
export function isQuietField(key: string | undefined): boolean {
  if (key === undefined) return false;
  let quiet = judged.get(key);
  if (quiet === undefined) {
    quiet = QUIET.test(key) || QUIET.test(key.toLowerCase());
    if (judged.size < JUDGED_MAX) judged.set(key, quiet);
  }
  return quiet;
}
