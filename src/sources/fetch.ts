import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedUrl } from '../net/index.js';

/** What one GET answered: its status and its body, read whole. */
export interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Why a GET got no answer; `code` says which, for retries and metrics. */
export class FetchFailure extends Error {
  constructor(
    readonly code: 'timeout' | 'network-error' | 'too-large',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'FetchFailure';
  }
}

export interface GetOptions {
  headers: Record<string, string>;
  /** For the whole exchange: connection, headers and body. */
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

/**
 * One GET to a URL that passed the URL guard, connecting only to the
 * addresses the guard checked (a second lookup could be re-pointed at an
 * internal address: DNS rebinding). Redirects are not followed.
 */
export function getChecked(
  target: CheckedUrl,
  options: GetOptions,
): Promise<Answer> {
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, {
      headers: options.headers,
      lookup: pinnedLookup(target.addresses),
      signal: options.signal,
    });
    const timer = setTimeout(() => {
      request.destroy(
        new FetchFailure(
          'timeout',
          `no whole answer within ${options.timeoutMs} ms`,
        ),
      );
    }, options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(
        error instanceof FetchFailure
          ? error
          : new FetchFailure('network-error', error.message, { cause: error }),
      );
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          request.destroy(
            new FetchFailure(
              'too-large',
              `the answer is larger than ${options.maxBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        });
      });
      response.on('error', (error) => request.destroy(error));
    });
  });
}

/** A lookup that answers with the checked addresses and nothing else. */
function pinnedLookup(addresses: readonly string[]): LookupFunction {
  return (_host, options, callback) => {
    const family = (a: string) => (a.includes(':') ? 6 : 4);
    if (options.all) {
      callback(
        null,
        addresses.map((address) => ({ address, family: family(address) })),
      );
      return;
    }
    const first = addresses[0] ?? '';
    callback(null, first, family(first));
  };
}
