import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { PackagerError } from '../domain/index.js';

/** Where the UI lives; its client-side routes stay below it. */
export const UI_PREFIX = '/ui/';

// The UI loads only its own scripts, styles and worker, and talks only to
// this origin; nothing may frame it.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built web UI (vite's output) under /ui/: hashed assets as
 * files, every other path under the prefix as index.html, so that a
 * reloaded client-side route still opens the app. `/` redirects there.
 */
export function uiRoutes(webRoot: string): Router {
  const router = Router();
  const indexFile = path.join(webRoot, 'index.html');
  router.get('/', (_req, res) => {
    res.redirect(302, UI_PREFIX);
  });
  router.use('/ui', (_req, res, next) => {
    setSecurityHeaders(res);
    next();
  });
  router.use(
    '/ui/assets',
    express.static(path.join(webRoot, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
    }),
  );
  router.use('/ui/assets', (req) => {
    throw new PackagerError('DP_NOT_FOUND', `no asset at ${req.originalUrl}`);
  });
  router.get('/ui{/*splat}', (req, res) => {
    if (req.path === '/ui') {
      res.redirect(301, UI_PREFIX);
      return;
    }
    if (!existsSync(indexFile)) {
      throw new PackagerError(
        'DP_NOT_FOUND',
        'the web UI is not built here; run `npm run build`',
      );
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  });
  return router;
}

function setSecurityHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
}
