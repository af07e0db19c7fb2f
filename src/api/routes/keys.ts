import { Router } from 'express';
import type { Signer } from '../../signing/index.js';

/** GET /signing-keys: the public keys customers verify bundles with. */
export function keyRoutes(signer: Signer): Router {
  const router = Router();
  router.get('/signing-keys', (_req, res) => {
    res.json({
      keys: [
        {
          keyId: signer.keyId,
          algorithm: signer.algorithm,
          status: 'active',
          publicKeyPem: signer.publicKeyPem,
        },
      ],
    });
  });
  return router;
}
