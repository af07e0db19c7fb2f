import { randomUUID } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { startSpan, type Logger, type Metrics } from '../telemetry/index.js';
import { maybePrincipalOf } from './auth.js';

// A caller's X-Request-Id is kept when it is a plain token; anything
// else (too long, spaces, control characters) is replaced by our own.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const loggers = new WeakMap<Request, Logger>();

/** The request's own logger, carrying its id (and trace ids in a span). */
export function requestLoggerOf(req: Request, fallback: Logger): Logger {
  return loggers.get(req) ?? fallback;
}

/**
 * Gives each request an id (the caller's X-Request-Id when it is a plain
 * token, else a new one; echoed either way), a child logger carrying it,
 * and a server span joined to the caller's W3C trace context. On
 * completion it logs one line with status and duration, and times the
 * request in the metrics. Headers, query strings and bodies are not logged.
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req.get('x-request-id'));
    res.set('X-Request-Id', requestId);
    const log = logger.child({ requestId });
    loggers.set(req, log);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.path,
          'dp.request_id': requestId,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    // Body parsing and streaming run in the request's own callbacks:
    // binding the emitters keeps them inside the request's span.
    context.bind(active, req);
    context.bind(active, res);

    // 'close' comes for every response, also one the client cut short.
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The route template, never the raw path: ids would explode the
      // label set.
      const route = req.route
        ? `${req.baseUrl}${String((req.route as { path: string }).path)}`
        : 'unmatched';
      // Closed before any answer went out (the client left, or Node's own
      // timeout answered 408 past the app): 499, as proxies count it, not
      // the 200 Express starts every response with.
      const status = res.headersSent ? res.statusCode : CLOSED_UNANSWERED;
      metrics.httpDuration.observe(
        { route, method: req.method, status: String(status) },
        ms / 1000,
      );
      endRequestSpan(span, req, route, status);
      context.with(active, () => {
        log.info(
          {
            event: 'request.completed',
            method: req.method,
            path: req.path,
            route,
            status,
            durationMs: Math.round(ms * 10) / 10,
            tenantId: maybePrincipalOf(req)?.tenantId,
          },
          'request completed',
        );
      });
    });
    context.with(active, next);
  };
}

const CLOSED_UNANSWERED = 499;

function requestIdOf(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

function endRequestSpan(
  span: Span,
  req: Request,
  route: string,
  status: number,
): void {
  span.updateName(`${req.method} ${route}`);
  span.setAttributes({
    'http.route': route,
    'http.response.status_code': status,
  });
  const tenantId = maybePrincipalOf(req)?.tenantId;
  if (tenantId) span.setAttribute('dp.tenant_id', tenantId);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
