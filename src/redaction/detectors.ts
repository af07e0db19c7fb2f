import { isIPv4, isIPv6 } from 'node:net';

/** The detectors a policy can name; one word each, used as metric labels. */
export const DETECTOR_NAMES = Object.freeze([
  'email',
  'ipv4',
  'ipv6',
  'phone',
  'card',
  'bearer-token',
  'aws-access-key',
  'private-key',
  'secret-assignment',
] as const);

export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** Where a detector found a value, as UTF-16 offsets [start, end). */
export interface Span {
  start: number;
  end: number;
}

interface Detector {
  name: DetectorName;
  /** A cheap test every candidate passes; most strings fail it at once. */
  hint: (text: string) => boolean;
  /** Global pattern of candidates; group 1, when present, is the value. */
  pattern: RegExp;
  /** Turns down candidates that only look like the thing. */
  accept?: (value: string) => boolean;
  /** Turns down a candidate when the text just before it matches. */
  notAfter?: RegExp;
  /** True for detectors that numbers, versions and hashes could fool. */
  numeric?: boolean;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

const DETECTORS: readonly Detector[] = [
  {
    name: 'private-key',
    hint: (text) => text.includes('PRIVATE KEY-----'),
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/g,
  },
  {
    name: 'bearer-token',
    hint: (text) => text.includes('earer'),
    pattern: /\b[Bb]earer\s+([A-Za-z0-9\-._~+/]{16,}=*)/g,
  },
  {
    name: 'aws-access-key',
    hint: (text) => /A[SKB]IA|ACCA/.test(text),
    pattern: /(?<![A-Z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])/g,
  },
  {
    // `password = x`, `aws_secret_access_key: x` inside free text; JSON
    // fields of these names are the field rules' business.
    name: 'secret-assignment',
    hint: (text) => /pass|secret|key|token/i.test(text),
    pattern:
      /\b(?:[A-Za-z0-9]+[_-])*(?:password|passwd|passphrase|secret|secret[_-]access[_-]key|access[_-]?key(?:[_-]id)?|api[_-]?key|private[_-]key|token)[ \t]*[=:][ \t]*([^\s"'&,;]+)/gi,
    accept: (value) => !value.startsWith('[') && value.length > 0,
  },
  {
    name: 'email',
    hint: (text) => text.includes('@'),
    pattern:
      /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g,
  },
  {
    name: 'ipv6',
    hint: (text) => text.includes(':'),
    // Candidates only: hex groups and colons (an IPv4 tail allowed), with
    // an optional zone; node:net decides what is an address.
    pattern:
      /(?<![\w:.%])((?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?:%[\w.-]+)?)(?![\w:]|\.\d)/g,
    accept: isIPv6Candidate,
  },
  {
    name: 'ipv4',
    hint: (text) => text.includes('.'),
    pattern: new RegExp(
      `(?<![\\w.])(${OCTET}(?:\\.${OCTET}){3})(?![\\w.]|-[A-Za-z])`,
      'g',
    ),
    accept: isIPv4,
    // "version 1.2.3.4", "ver=1.2.3.4", "tools/1.6.12.2" (a product token
    // of a user agent): a dotted version, not an address.
    notAfter:
      /(?:\bversion|\bver|\brelease|\brev)[\s:=]*$|(?:^|[\s(])[A-Za-z][\w.-]*\/$/i,
    numeric: true,
  },
  {
    name: 'card',
    hint: (text) => /\d\d\d\d/.test(text),
    pattern: /(?<![\w.+-])(\d(?:[ -]?\d){12,18})(?![\w.-])/g,
    accept: isCardNumber,
    numeric: true,
  },
  {
    // International numbers need their '+'; national ones need the usual
    // punctuation. A bare run of digits (an id, a time) is never a phone.
    name: 'phone',
    hint: (text) => /\d\d\d/.test(text),
    pattern:
      /(?<![\w+.-])(\+[1-9][\d ().-]{6,20}\d|\(\d{3}\) ?\d{3}[-. ]\d{4}|\d{3}-\d{3}-\d{4})(?![\w-])/g,
    accept: isPhoneNumber,
    numeric: true,
  },
];

/** One thing a detector found. */
export interface Finding extends Span {
  detector: DetectorName;
}

/**
 * Finds every value the named detectors recognise in `text`, earliest
 * first, overlaps resolved in favour of the earlier (then longer) find.
 * With `numericOff`, detectors that versions and hashes could fool are
 * skipped (the value sits in a field such as `version` or `sha256`).
 */
export function findAll(
  text: string,
  enabled: ReadonlySet<DetectorName>,
  numericOff = false,
): Finding[] {
  const found: Finding[] = [];
  for (const detector of DETECTORS) {
    if (!enabled.has(detector.name)) continue;
    if (numericOff && detector.numeric) continue;
    if (!detector.hint(text)) continue;
    // exec on the shared pattern, not matchAll, which copies the RegExp
    // on every call: that copy cost more than the matching itself.
    const { pattern } = detector;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      const value = match[1] ?? match[0];
      if (detector.accept && !detector.accept(value)) continue;
      const start = (match.index ?? 0) + match[0].lastIndexOf(value);
      const before = text.slice(Math.max(0, start - 16), start);
      if (detector.notAfter?.test(before)) continue;
      found.push({ detector: detector.name, start, end: start + value.length });
    }
  }
  return withoutOverlaps(found);
}

function withoutOverlaps(found: Finding[]): Finding[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  for (const finding of found) {
    const last = kept.at(-1);
    if (last && finding.start < last.end) continue;
    kept.push(finding);
  }
  return kept;
}

function isIPv6Candidate(candidate: string): boolean {
  const address = candidate.replace(/%[\w.-]+$/, '');
  // Times such as 10:20:30 and MAC-like strings are not valid IPv6; the
  // unspecified address '::' names nobody (and `a :: b` is not one).
  return /[0-9A-Fa-f]/.test(address) && isIPv6(address);
}

/** Luhn-checked, 13 to 19 digits, with an issuer prefix cards use. */
function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  // Separators, when used, come in the groups printed on cards.
  if (
    digits !== candidate &&
    !/^\d{4}([ -])\d{4,6}\1\d{4,5}(\1\d{1,4})?$/.test(candidate)
  ) {
    return false;
  }
  if (!/^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6[05]|35)/.test(digits)) {
    return false;
  }
  return luhnValid(digits);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function isPhoneNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return false;
  // Dotted digit runs with a '+' are still more often versions than phones.
  return !/^\+?\d+(\.\d+){2,}$/.test(candidate);
}
