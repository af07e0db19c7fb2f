import type { RequestHandler } from 'express';
import { PackagerError } from '../domain/index.js';
import { sendProblem } from './problem.js';

type Paths = Record<string, Record<string, unknown>>;

/**
 * Answers a known path asked with a method it does not have with 405 and an
 * Allow header (RFC 9110 §15.5.6), instead of pretending the path is not
 * there. The routes are those of the OpenAPI document.
 */
export function methodNotAllowed(paths: Paths): RequestHandler {
  const routes = Object.entries(paths).map(([template, operations]) => {
    const methods = Object.keys(operations).map((m) => m.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    const pattern = template.replace(/\{[^}]+\}/g, '[^/]+');
    return {
      regex: new RegExp(`^${pattern}$`),
      methods,
      allow: methods.join(', '),
    };
  });
  return (req, res, next) => {
    const route = routes.find((r) => r.regex.test(req.path));
    if (!route || route.methods.includes(req.method)) {
      next();
      return;
    }
    res.set('Allow', route.allow);
    sendProblem(
      res,
      new PackagerError(
        'DP_METHOD_NOT_ALLOWED',
        `${req.method} is not allowed here; use ${route.allow}`,
      ),
      req.path,
    );
  };
}
