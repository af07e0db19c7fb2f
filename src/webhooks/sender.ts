import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { assertPublicUrl, type UrlPolicy } from '../net/index.js';
import { isPackagerError } from '../domain/index.js';

/** One POST of a signed event to an endpoint. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** What one attempt came to, as the receiver answered or failed to. */
export interface AttemptResult {
  /** The HTTP status, or null when no response came. */
  statusCode: number | null;
  latencyMs: number;
  /** Why no (good) answer came: a timeout, a refused connection, … */
  error: string | null;
  /** How the attempt counts: see classifyAttempt. */
  kind: 'delivered' | 'retryable' | 'final' | 'gone';
  /** The receiver's Retry-After, in milliseconds, when it sent one. */
  retryAfter: string | undefined;
}

// Enough of a response to read its status; the rest is not wanted.
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Classifies a response per docs/webhooks.md: 2xx delivered; 408, 429 and
 * 5xx worth another try; 410 means the receiver is gone for good; any
 * other status (redirects are not followed) fails the delivery at once.
 */
export function classifyStatus(status: number): AttemptResult['kind'] {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  if (status === 408 || status === 429 || status >= 500) return 'retryable';
  return 'final';
}

/**
 * Sends one attempt. The URL is checked again here, after DNS, and the
 * connection goes to the address that passed the check, so a name that
 * was re-pointed at an internal address (DNS rebinding) is refused.
 */
export async function sendAttempt(
  request: OutgoingRequest,
  policy: UrlPolicy,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let checked;
  try {
    checked = await assertPublicUrl(request.url, policy);
  } catch (error) {
    const message = (error as Error).message;
    // A name that does not resolve may resolve later; a refused address
    // will not become acceptable by waiting.
    const unresolved =
      isPackagerError(error) && /^cannot resolve /.test(message);
    return {
      statusCode: null,
      latencyMs: elapsed(),
      error: `URL refused: ${message}`,
      kind: unresolved ? 'retryable' : 'final',
      retryAfter: undefined,
    };
  }
  try {
    const response = await post(request, checked.url, checked.addresses[0]);
    return {
      statusCode: response.status,
      latencyMs: elapsed(),
      error: null,
      kind: classifyStatus(response.status),
      retryAfter: response.retryAfter,
    };
  } catch (error) {
    return {
      statusCode: null,
      latencyMs: elapsed(),
      error: (error as Error).message,
      kind: 'retryable',
      retryAfter: undefined,
    };
  }
}

function post(
  request: OutgoingRequest,
  url: URL,
  address: string | undefined,
): Promise<{ status: number; retryAfter: string | undefined }> {
  const client = url.protocol === 'https:' ? https : http;
  const body = Buffer.from(request.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'POST',
      headers: {
        ...request.headers,
        'content-length': String(body.length),
      },
      // Connect to the checked address; TLS still verifies the name.
      lookup: address ? pinnedLookup(address) : undefined,
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(toConnectionError(error));
    });
    req.once('response', (res) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_RESPONSE_BYTES) res.destroy();
      });
      const done = () => {
        clearTimeout(timer);
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter });
      };
      res.once('end', done);
      res.once('close', done);
      res.once('error', done);
    });
    req.end(body);
  });
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

function pinnedLookup(address: string) {
  const family = isIP(address);
  return (_host: string, options: { all?: boolean }, cb: LookupCallback) => {
    if (options.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  };
}

function toConnectionError(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code)
    ? new Error(`${code}: ${error.message}`)
    : error;
}
