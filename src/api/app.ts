import express, { type Express } from 'express';
import helmet from 'helmet';
import type { LinkSigner, OidcVerifier, TokenStore } from '../auth/index.js';
import type { Config } from '../config/index.js';
import type { Queryable } from '../db/index.js';
import type { RetentionPolicy } from '../jobs/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Analytics, Logger, Metrics } from '../telemetry/index.js';
import { accessControl, auditOutcomes } from './access.js';
import { bearerAuthenticator, operatorMatcher } from './auth.js';
import { rateLimits } from './limits.js';
import type { FeatureFlags } from '../flags/index.js';
import { requireFeature } from './features.js';
import {
  refuseUnreadableUrl,
  refuseUnstorableBody,
  requireUtf8,
} from './textguard.js';
import { openApiDocument } from './openapi.js';
import { methodNotAllowed } from './methods.js';
import { errorHandler, notFound } from './problem.js';
import {
  healthRoutes,
  type ReadinessName,
  type ReadinessProbe,
} from './health.js';
import { requestLog } from './requestlog.js';
import type { TenantScopes } from './scope.js';
import { estimateRoutes } from './routes/estimate.js';
import { evidenceRoutes } from './routes/evidence.js';
import { exportRoutes } from './routes/exports.js';
import { jobRoutes } from './routes/jobs.js';
import { settingsRoutes } from './routes/settings.js';
import { keyRoutes, type PublishedKeys } from './routes/keys.js';
import { meRoutes } from './routes/me.js';
import { provenanceRoutes } from './routes/provenance.js';
import { analyticsRoutes } from './routes/analytics.js';
import { webhookRoutes } from './routes/webhooks.js';
import { uiRoutes } from './ui.js';

export interface ApiDeps {
  config: Pick<Config, 'apiTokens' | 'security' | 'ingestMaxBytes'> &
    Pick<Config['jobs'], 'maxWindowDays'> &
    Partial<Pick<Config, 'ingestStreamFromBytes'>> &
    Partial<Pick<Config, 'operatorTokens'>>;
  store: EvidenceStore;
  /** The caller's tenant scope: job service and audit trail under RLS. */
  scopes: TenantScopes;
  objects: ObjectStore;
  keys: PublishedKeys;
  tokens: TokenStore;
  links: LinkSigner;
  oidc?: OidcVerifier;
  logger: Logger;
  metrics: Metrics;
  analytics?: Analytics;
  /** The owner's connection, for platform-wide reports (operators only). */
  db: Queryable;
  flags: FeatureFlags;
  /** The built web UI (dist/web), served under /ui/. */
  webRoot: string;
  /** How long bundles are kept; downloads past it answer 410. */
  retention: RetentionPolicy;
  /** Bundle downloads: a redirect to a presigned URL, or streamed. */
  downloads: 'redirect' | 'proxy';
  /** What GET /readyz checks: the database, object store and queue. */
  readiness: Record<ReadinessName, ReadinessProbe>;
}

/**
 * The HTTP API. Every request passes the access check of ROUTE_ACCESS
 * (access.ts) before its route runs, and the rate limits after it.
 */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger, deps.metrics));
  app.use(helmet());
  app.use(refuseUnreadableUrl);

  // Known paths asked with another method answer 405, even unauthenticated:
  // which methods a public API has is no secret.
  app.use(methodNotAllowed(openApiDocument.paths));
  const authenticate = bearerAuthenticator({
    staticTokens: deps.config.apiTokens,
    tokenStore: deps.tokens,
    oidc: deps.oidc,
    tenantExists: async (id) => (await deps.store.getTenant(id)) !== null,
  });
  app.use(
    accessControl(
      authenticate,
      deps.links,
      operatorMatcher(deps.config.operatorTokens ?? []),
    ),
  );
  app.use(rateLimits(deps.config.security));
  // Evidence bodies stream to disk: they are mounted before the JSON body
  // parser, which would otherwise read an SBOM into memory.
  app.use(
    evidenceRoutes({
      store: deps.store,
      objects: deps.objects,
      scopes: deps.scopes,
      maxBytes: deps.config.ingestMaxBytes,
      streamFromBytes: deps.config.ingestStreamFromBytes,
      metrics: deps.metrics,
    }),
  );
  app.use(express.json({ limit: '64kb', verify: requireUtf8 }));
  app.use(refuseUnstorableBody);

  app.use(healthRoutes(deps.readiness, deps.metrics));
  app.get('/metrics', async (_req, res) => {
    res
      .type(deps.metrics.registry.contentType)
      .send(await deps.metrics.scrape());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use(keyRoutes(deps.keys));
  app.use(uiRoutes(deps.webRoot));
  app.use(meRoutes(deps.store, deps.flags, deps.config));
  app.use('/disclosures', requireFeature(deps.flags, 'disclosurePackager.api'));
  app.use(exportRoutes(deps.store, deps.scopes, deps.links, deps.analytics));
  app.use(estimateRoutes(deps.store, deps.scopes));
  app.use(jobRoutes(deps.scopes, deps));
  app.use(settingsRoutes(deps.scopes));
  app.use(provenanceRoutes(deps.scopes));
  app.use(analyticsRoutes(deps.db));
  app.use(webhookRoutes(deps.scopes));

  app.use(notFound);
  app.use(
    errorHandler(
      deps.logger,
      auditOutcomes((tenantId) => deps.scopes(tenantId).audit),
    ),
  );
  return app;
}
