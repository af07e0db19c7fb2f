import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { hasUnstorable, PackagerError } from '../domain/index.js';

/**
 * Refuses a URL that no route could read: one carrying a NUL (`%00`),
 * which no path segment, id or query value may hold and the audit trail
 * could not keep, or one whose %-escapes are not UTF-8, which the query
 * parser would read as U+FFFD (a name made of them would end up in a
 * bundle).
 */
export const refuseUnreadableUrl: RequestHandler = (req, _res, next) => {
  const reason = /%00/i.test(req.originalUrl)
    ? 'the URL holds a NUL character (%00), which no path or query value may hold'
    : isUtf8(percentDecoded(req.originalUrl))
      ? null
      : 'the URL is not UTF-8 once its %-escapes are decoded';
  next(reason ? new PackagerError('DP_REQUEST_INVALID', reason) : undefined);
};

/** The bytes a URL's %-escapes stand for, other characters as UTF-8. */
function percentDecoded(url: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of url.matchAll(/(?:%[0-9a-f]{2})+/gi)) {
    parts.push(Buffer.from(url.slice(last, match.index), 'utf8'));
    parts.push(Buffer.from(match[0].replace(/%/g, ''), 'hex'));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(url.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * For express.json's `verify`: a JSON body must be UTF-8. Invalid bytes
 * would otherwise be read as U+FFFD and pass for other text.
 */
export function requireUtf8(
  _req: IncomingMessage,
  _res: unknown,
  body: Buffer,
): void {
  if (!isUtf8(body)) {
    throw Object.assign(new Error('the request body is not UTF-8'), {
      status: 415,
      type: 'charset.unsupported',
    });
  }
}

/**
 * Refuses a parsed JSON body holding, in any key or string, a NUL
 * (`"\u0000"`) or a lone surrogate (`"\ud800"`): valid JSON, but text no
 * field of this API takes and PostgreSQL cannot store.
 */
export const refuseUnstorableBody: RequestHandler = (req, _res, next) => {
  const where = unstorableIn(req.body as unknown);
  if (where !== null) {
    next(
      new PackagerError(
        'DP_REQUEST_INVALID',
        `${where} holds a NUL character (\\u0000) or a lone surrogate, ` +
          'which no field accepts',
      ),
    );
    return;
  }
  next();
};

/** Where in a JSON value the first unstorable text is, or null. */
function unstorableIn(value: unknown, at = 'body'): string | null {
  if (typeof value === 'string') return hasUnstorable(value) ? at : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = unstorableIn(value[i], `${at}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (hasUnstorable(key)) return `a key of ${at}`;
      const found = unstorableIn(item, `${at}.${key}`);
      if (found) return found;
    }
  }
  return null;
}
