import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { PackagerError } from '../domain/index.js';

/** Resolves a host name to all its addresses (dns.lookup by default). */
export type Resolve = (host: string) => Promise<string[]>;

export interface UrlPolicy {
  /**
   * Host names (exact, case-insensitive), addresses or CIDR ranges that
   * may be reached even though they are private, loopback or link-local.
   */
  allowList: readonly string[];
  resolve?: Resolve;
}

/** A URL that passed the check, with the addresses it resolved to. */
export interface CheckedUrl {
  url: URL;
  /** Connect to one of these, not to a second lookup (DNS rebinding). */
  addresses: string[];
}

const defaultResolve: Resolve = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses an outbound URL (webhook, connector) unless it is http(s) and
 * every address its host resolves to is public unicast, or the host or
 * address is on the operator's allow-list. Checked at send time, after
 * DNS, so a name re-pointed at an internal address is caught.
 */
export async function assertPublicUrl(
  raw: string,
  policy: UrlPolicy,
): Promise<CheckedUrl> {
  const url = parseUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const allowNames = policy.allowList.map((a) => a.toLowerCase());
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await resolveAll(host, policy.resolve ?? defaultResolve);
  if (allowNames.includes(host)) return { url, addresses };
  for (const address of addresses) {
    const range = rangeOf(address);
    if (range !== 'unicast' && !isAllowed(address, policy.allowList)) {
      throw refused(
        `${url.host} resolves to ${address}, ${articled(range)} address; ` +
          'an operator must allow-list it (DP_URL_ALLOW_LIST)',
      );
    }
  }
  return { url, addresses };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new PackagerError('DP_URL_REFUSED', 'the URL is not valid', {
      cause,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refused(`only http and https URLs are allowed, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw refused('a URL must not carry credentials');
  }
  return url;
}

async function resolveAll(host: string, resolve: Resolve): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (cause) {
    throw new PackagerError('DP_URL_REFUSED', `cannot resolve ${host}`, {
      cause,
    });
  }
  if (addresses.length === 0) throw refused(`${host} has no address`);
  return addresses;
}

/**
 * The range of an address, looking through IPv4-mapped IPv6 and the
 * deprecated IPv4-compatible form (`::a.b.c.d`), which some stacks still
 * route to the IPv4 address it holds.
 */
function rangeOf(address: string): string {
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    const compatible =
      parts.slice(0, 6).every((p) => p === 0) && (parts[6] ?? 0) !== 0;
    if (compatible) {
      const bytes = (parsed as ipaddr.IPv6).toByteArray().slice(12);
      return ipaddr.fromByteArray(bytes).range();
    }
  }
  return parsed.range();
}

// A host name as DNS has them: labels of letters, digits and hyphens.
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Why an allow-list entry can never match, or null when it is a host
 * name, an IPv4 or IPv6 address, or a CIDR range of either.
 */
export function allowListEntryProblem(entry: string): string | null {
  if (entry.includes('/')) {
    return ipaddr.isValidCIDR(entry)
      ? null
      : `${JSON.stringify(entry)} is not a CIDR range (address/prefix length)`;
  }
  if (ipaddr.isValid(entry) || HOST_NAME.test(entry)) return null;
  return `${JSON.stringify(entry)} is neither a host name nor an IP address`;
}

function isAllowed(address: string, allowList: readonly string[]): boolean {
  const parsed = ipaddr.process(address);
  return allowList.some((entry) => {
    if (entry.includes('/') && ipaddr.isValidCIDR(entry)) {
      const [net, bits] = ipaddr.parseCIDR(entry);
      return net.kind() === parsed.kind() && parsed.match([net, bits]);
    }
    return (
      ipaddr.isValid(entry) &&
      ipaddr.process(entry).toString() === parsed.toString()
    );
  });
}

function refused(message: string): PackagerError {
  return new PackagerError('DP_URL_REFUSED', message);
}

// "an unspecified address", "a uniqueLocal address", "a private address".
function articled(word: string): string {
  return `${/^(?:[aeio]|u(?!ni))/i.test(word) ? 'an' : 'a'} ${word}`;
}
