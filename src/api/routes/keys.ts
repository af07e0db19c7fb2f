import { Router } from 'express';
import type { TrustFile } from '../../signing/index.js';

/** What the route needs of the keyring. */
export interface PublishedKeys {
  trustFile(): Promise<TrustFile>;
}

/**
 * GET /signing-keys: every key with its status and validity window, and
 * every rotation signed by the outgoing key. `verify --trusted-keys` reads
 * this document as it is.
 */
export function keyRoutes(keys: PublishedKeys): Router {
  const router = Router();
  router.get('/signing-keys', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(await keys.trustFile());
  });
  return router;
}
