import { Router, type Request } from 'express';
import { PackagerError } from '../../domain/index.js';
import type {
  ArtifactProvenance,
  BundleProvenance,
} from '../../provenance/index.js';
import { principalOf } from '../auth.js';
import type { TenantScopes } from '../scope.js';

const SHA512 = /^[0-9a-f]{128}$/;

/**
 * The provenance graph of the caller's tenant: which bundles disclosed an
 * artifact, and what a bundle held and who fetched it. Another tenant's
 * artifacts and bundles answer 404, as unknown ones do.
 */
export function provenanceRoutes(scopes: TenantScopes): Router {
  const router = Router();

  router.get('/provenance/artifacts/:sha512', async (req, res) => {
    const { tenantId } = principalOf(req);
    const sha512 = digestOf(req);
    const found = await scopes(tenantId).provenance.artifact(tenantId, sha512);
    if (!found) throw notFound('no bundle of this tenant held the artifact');
    res.json(toArtifactView(found));
  });

  router.get('/provenance/bundles/:sha512', async (req, res) => {
    const { tenantId } = principalOf(req);
    const sha512 = digestOf(req);
    const found = await scopes(tenantId).provenance.bundle(tenantId, sha512);
    if (!found) throw notFound('this tenant published no such bundle');
    res.json(toBundleView(found));
  });

  return router;
}

/** A malformed digest is simply one that was never seen (and not echoed). */
function digestOf(req: Request): string {
  const sha512 = String(req.params.sha512).toLowerCase();
  if (!SHA512.test(sha512)) {
    throw notFound('no such digest: give the SHA-512 as 128 hex digits');
  }
  return sha512;
}

function notFound(message: string): PackagerError {
  return new PackagerError('DP_NOT_FOUND', message);
}

function toArtifactView(found: ArtifactProvenance) {
  return {
    sha512: found.sha512,
    bundles: found.bundles.map((b) => ({
      sha512: b.sha512,
      size: b.size,
      keyId: b.keyId,
      publishedAt: b.publishedAt.toISOString(),
      jobId: b.jobId,
      requestedBy: b.requestedBy,
      path: b.path,
      kind: b.kind,
    })),
  };
}

function toBundleView(found: BundleProvenance) {
  return {
    sha512: found.sha512,
    size: found.size,
    keyId: found.keyId,
    publishedAt: found.publishedAt.toISOString(),
    job: {
      jobId: found.job.id,
      requestedBy: found.job.requestedBy,
      requestedAt: found.job.requestedAt.toISOString(),
      dateRange: {
        from: found.job.window.from.toISOString(),
        to: found.job.window.to.toISOString(),
      },
    },
    artifacts: found.artifacts,
    downloads: found.downloads.map((d) => ({
      actor: d.actor,
      via: d.via,
      at: d.at.toISOString(),
    })),
  };
}
