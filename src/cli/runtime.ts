import path from 'node:path';
import type { Config } from '../config/index.js';
import { migrate, openDatabase, type Database } from '../db/index.js';
import { EvidenceStore } from '../evidence/index.js';
import { loadOrCreateEmbeddedSigner, type Signer } from '../signing/index.js';
import { LocalObjectStore, type ObjectStore } from '../storage/index.js';
import { Metrics, type Logger } from '../telemetry/index.js';

/** The parts every entry point shares, opened from one configuration. */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  store: EvidenceStore;
  objects: ObjectStore;
  signer: Signer;
  metrics: Metrics;
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
    const { signer, created } = await loadOrCreateEmbeddedSigner({
      dir: path.join(config.dataDir, 'keys'),
      password: config.signingKeyPassword,
    });
    if (created) {
      logger.info(
        { event: 'key.generated', keyId: signer.keyId },
        'generated the signing key',
      );
    }
    return {
      config,
      logger,
      db,
      store: new EvidenceStore(db),
      objects: new LocalObjectStore(path.join(config.dataDir, 'objects')),
      signer,
      metrics: new Metrics(),
      close: () => db.close(),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
