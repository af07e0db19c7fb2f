import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AuditTrail } from '../audit/index.js';
import { TokenStore } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { migrate, openDatabase, type Database } from '../db/index.js';
import { EvidenceStore } from '../evidence/index.js';
import { jobQueries } from '../jobs/index.js';
import {
  policiesFromFile,
  type RedactionPolicies,
} from '../redaction/index.js';
import { retentionFromConfig, type RetentionPolicy } from '../jobs/index.js';
import {
  provenanceFromConfig,
  type ProvenanceStores,
} from '../provenance/index.js';
import { Keyring, loadOrCreateEmbeddedSigner } from '../signing/index.js';
import { SettingsStore } from '../settings/index.js';
import { Connectors, connectorsFromFile } from '../sources/index.js';
import { objectStoreFromConfig, type ObjectStore } from '../storage/index.js';
import {
  Analytics,
  HttpEventSink,
  Metrics,
  type Logger,
} from '../telemetry/index.js';

/** The parts every entry point shares, opened from one configuration. */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  store: EvidenceStore;
  objects: ObjectStore;
  /** The signing keys; jobs take theirs with keys.signerForJob(). */
  keys: Keyring;
  /** API tokens made with `tokens create`. */
  tokens: TokenStore;
  /** The packager's own audit trail, kept with each tenant's events. */
  audit: AuditTrail;
  metrics: Metrics;
  /** Product analytics: stored, and forwarded to DP_ANALYTICS_SINK_URL. */
  analytics: Analytics;
  /** Each tenant's redaction policy (DP_REDACTION_POLICY_FILE). */
  policies: RedactionPolicies;
  /** Customers' evidence services (DP_CONNECTORS_FILE). */
  connectors: Connectors;
  /** A tenant's jurisdiction tags (its settings), for the manifest. */
  jurisdictionsOf: (tenantId: string) => Promise<readonly string[]>;
  /** The provenance graph: tables, or Neo4j with NEO4J_URL. */
  provenanceStores: ProvenanceStores;
  /** How long each tenant's bundles are kept (DP_RETENTION_DAYS). */
  retention: RetentionPolicy;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it), the object store and the signing key.
 * In the embedded default everything lives below the data directory.
 */
export async function openRuntime(
  config: Config,
  logger: Logger,
): Promise<Runtime> {
  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'pglite'),
    schema: config.databaseSchema,
  });
  try {
    await migrate(db);
    const keys = await openKeyring(db, config, logger);
    const store = new EvidenceStore(db);
    const metrics = new Metrics();
    metrics.watchQueue(() => jobQueries.queueState(db));
    const provenanceStores = await provenanceFromConfig(config, db);
    const objects = await objectStoreFromConfig(config, (message, cause) =>
      logger.warn({ event: 'storage.warning', err: cause }, message),
    );
    const analytics = analyticsFromConfig(config, db, metrics, logger);
    return {
      config,
      logger,
      db,
      store,
      tokens: new TokenStore(db),
      audit: new AuditTrail(store),
      objects,
      keys,
      metrics,
      analytics,
      policies: policiesFromFile(config.redactionPolicyFile),
      connectors: new Connectors(connectorsFromFile(config.connectorsFile), {
        allowList: config.security.urlAllowList,
        metrics,
      }),
      jurisdictionsOf: async (tenantId) =>
        (await new SettingsStore(db).get(tenantId)).jurisdictionTags,
      provenanceStores,
      retention: retentionFromConfig(config.storage),
      close: async () => {
        await analytics.close();
        await provenanceStores.close().catch(() => undefined);
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The product's version, from its package.json. */
export const PACKAGE_VERSION = (
  JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

/** The analytics recorder, with its HTTP sink when a URL is configured. */
function analyticsFromConfig(
  config: Config,
  db: Database,
  metrics: Metrics,
  logger: Logger,
): Analytics {
  const { telemetry } = config;
  const sink = telemetry.analyticsSinkUrl
    ? new HttpEventSink({
        url: telemetry.analyticsSinkUrl,
        batchSize: telemetry.analyticsBatchSize,
        flushMs: telemetry.analyticsFlushMs,
        bufferSize: telemetry.analyticsBufferSize,
        retries: telemetry.analyticsRetries,
        urlPolicy: { allowList: config.security.urlAllowList },
        userAgent: `disclosure-packager/${PACKAGE_VERSION}`,
        metrics,
        logger,
      })
    : undefined;
  return new Analytics({ db, metrics, logger, sink });
}

/**
 * The keyring, with the embedded key made active on the first start. Every
 * stored key is encrypted with the embedded key's password.
 */
async function openKeyring(
  db: Database,
  config: Config,
  logger: Logger,
): Promise<Keyring> {
  const embedded = await loadOrCreateEmbeddedSigner({
    dir: path.join(config.dataDir, 'keys'),
    password: config.signingKeyPassword,
  });
  const keys = new Keyring(db, embedded.password);
  const { signer } = embedded;
  if (embedded.created) {
    logger.info(
      { event: 'key.generated', keyId: signer.keyId },
      'generated the signing key',
    );
  }
  const adopted = await keys.adopt(
    signer,
    embedded.encryptedPem,
    'embedded',
    embedded.since,
  );
  if (adopted) {
    logger.info(
      { event: 'key.activated', keyId: signer.keyId },
      'the embedded key is the active signing key',
    );
  }
  return keys;
}
