import express, { type Express } from 'express';
import type { Config } from '../config/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { JobService } from '../jobs/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import type { FeatureFlags } from '../flags/index.js';
import { authenticate } from './auth.js';
import { requireFeature } from './features.js';
import { openApiDocument } from './openapi.js';
import { methodNotAllowed } from './methods.js';
import { errorHandler, notFound } from './problem.js';
import { requestLog } from './requestlog.js';
import { estimateRoutes } from './routes/estimate.js';
import { exportRoutes } from './routes/exports.js';
import { jobRoutes } from './routes/jobs.js';
import { keyRoutes, type PublishedKeys } from './routes/keys.js';
import { meRoutes } from './routes/me.js';
import { uiRoutes } from './ui.js';

export interface ApiDeps {
  config: Pick<Config, 'apiTokens'>;
  store: EvidenceStore;
  jobs: JobService;
  objects: ObjectStore;
  keys: PublishedKeys;
  logger: Logger;
  metrics: Metrics;
  flags: FeatureFlags;
  /** The built web UI (dist/web), served under /ui/. */
  webRoot: string;
}

/** The HTTP API: public routes first, then everything behind a token. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger, deps.metrics));
  app.use(express.json({ limit: '64kb' }));

  // Known paths asked with another method answer 405, even unauthenticated:
  // which methods a public API has is no secret.
  app.use(methodNotAllowed(openApiDocument.paths));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    res
      .type(deps.metrics.registry.contentType)
      .send(await deps.metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use(keyRoutes(deps.keys));
  app.use(uiRoutes(deps.webRoot));

  const secured = express.Router();
  secured.use(authenticate(deps.config.apiTokens));
  secured.use(meRoutes(deps.store, deps.flags));
  secured.use(
    '/disclosures',
    requireFeature(deps.flags, 'disclosurePackager.api'),
  );
  secured.use(exportRoutes(deps.store, deps.jobs));
  secured.use(estimateRoutes(deps.store));
  secured.use(jobRoutes(deps.jobs, deps.objects));
  app.use(secured);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
