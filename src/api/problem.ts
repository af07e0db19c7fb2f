import type {
  ErrorRequestHandler,
  Request,
  RequestHandler,
  Response,
} from 'express';
import {
  ERROR_CATALOG,
  PackagerError,
  isPackagerError,
  type ErrorCode,
} from '../domain/index.js';
import type { Logger } from '../telemetry/index.js';
import { requestLoggerOf } from './requestlog.js';

/** The stable `type` URI of a problem (RFC 9457 §3.1.1). */
export function problemTypeOf(code: ErrorCode): string {
  return `urn:disclosure-packager:problem:${code
    .toLowerCase()
    .replace(/_/g, '-')}`;
}

/** Writes an RFC 9457 problem document for a PackagerError. */
export function sendProblem(
  res: Response,
  error: PackagerError,
  instance: string,
): void {
  const entry = ERROR_CATALOG[error.code];
  if (error.status === 401) res.set('WWW-Authenticate', 'Bearer');
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number')
    res.set('Retry-After', String(retryAfter));
  res
    .status(error.status)
    .type('application/problem+json')
    .json({
      type: problemTypeOf(error.code),
      title: entry.title,
      status: error.status,
      detail: error.message,
      code: error.code,
      instance,
      ...(error.details ? { errors: error.details.errors } : {}),
      ...(error.details?.checks ? { checks: error.details.checks } : {}),
    });
}

/** Answers every unmatched route with a 404 problem. */
export const notFound: RequestHandler = (req, res) => {
  sendProblem(
    res,
    new PackagerError('DP_NOT_FOUND', `no resource at ${req.path}`),
    req.path,
  );
};

/**
 * The last handler: known errors become their problem; body-parser errors
 * become 400/413/415; anything else is logged and answered without detail.
 */
export function errorHandler(
  logger: Logger,
  onError?: (req: Request, error: PackagerError) => Promise<void>,
): ErrorRequestHandler {
  return async (error: unknown, req, res, _next) => {
    const known = toPackagerError(error);
    if (known.code === 'DP_INTERNAL') {
      requestLoggerOf(req, logger).error(
        { event: 'request.failed', err: error },
        'unhandled error',
      );
    }
    // The answer waits for the audit trail, as a success's does; a trail
    // that cannot be written must not change the answer.
    await onError?.(req, known).catch((failure: unknown) => {
      logger.error(
        { event: 'audit.failed', err: failure },
        'could not write a refused request to the audit trail',
      );
    });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, known, req.path);
  };
}

function toPackagerError(error: unknown): PackagerError {
  if (isPackagerError(error)) return error;
  const { type, status } = error as { type?: string; status?: number };
  if (type === 'entity.parse.failed') {
    // body-parser refuses a top-level value other than an object or an
    // array as a syntax error: say what is wanted instead.
    const raw = (error as { body?: unknown }).body;
    if (typeof raw === 'string' && !/^\s*[{[]/.test(raw)) {
      return new PackagerError(
        'DP_REQUEST_INVALID',
        'the request body must be a JSON object',
      );
    }
    const reason = error instanceof Error ? ` (${error.message})` : '';
    return new PackagerError(
      'DP_REQUEST_INVALID',
      `the request body is not valid JSON${reason}`,
    );
  }
  if (type === 'entity.too.large') {
    return new PackagerError(
      'DP_PAYLOAD_TOO_LARGE',
      'the request body is larger than 64 KiB',
    );
  }
  if (status === 415) {
    return new PackagerError(
      'DP_UNSUPPORTED_MEDIA_TYPE',
      'the request body must be UTF-8 JSON, plain or gzip, deflate or br encoded',
    );
  }
  // Other client errors raised by the HTTP layer: a malformed percent
  // escape in the path, a body that does not inflate, and the like.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new PackagerError(
      'DP_REQUEST_INVALID',
      'the request could not be read (malformed path or body)',
    );
  }
  return new PackagerError('DP_INTERNAL', 'an internal error occurred');
}

/**
 * The parsed JSON body of a request, refused with 415 unless it was sent
 * as JSON: every route that takes a JSON body reads it through here.
 */
export function jsonBodyOf(req: Request): unknown {
  // Without a body there is no media type to judge: say what is missing.
  const length = req.get('content-length');
  if (length === '0' || (!length && !req.get('transfer-encoding'))) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'the request has no body; send a JSON object as ' +
        'Content-Type: application/json',
    );
  }
  if (!req.is('application/json')) {
    throw new PackagerError(
      'DP_UNSUPPORTED_MEDIA_TYPE',
      'send the request as Content-Type: application/json',
    );
  }
  return req.body as unknown;
}
