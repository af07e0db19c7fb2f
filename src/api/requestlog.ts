import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger, Metrics } from '../telemetry/index.js';

/**
 * Gives each request an id (echoed as X-Request-Id), logs it once, on
 * completion, with status and duration, and times it in the metrics. Headers and bodies are not logged.
 */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    res.set('X-Request-Id', requestId);
    // 'close' comes for every response, also one the client cut short.
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The route template, never the raw path: ids would explode the
      // label set.
      const route = req.route
        ? `${req.baseUrl}${String((req.route as { path: string }).path)}`
        : 'unmatched';
      metrics.httpDuration.observe(
        { route, method: req.method, status: String(res.statusCode) },
        ms / 1000,
      );
      logger.info(
        {
          event: 'request.completed',
          requestId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          durationMs: Math.round(ms * 10) / 10,
        },
        'request completed',
      );
    });
    next();
  };
}
