import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../src/db/index.js';
import { EvidenceStore } from '../../src/evidence/index.js';
import { LocalObjectStore } from '../../src/storage/index.js';
import { disposeTestDatabase, openTestDatabase } from './db.js';

/** A migrated database, an evidence store and an object store, for tests. */
export interface EvidenceFixture {
  db: Database;
  store: EvidenceStore;
  objects: LocalObjectStore;
  /** A scratch folder of the fixture's own, removed on dispose. */
  scratch: string;
  dispose(): Promise<void>;
}

export async function openEvidenceFixture(
  backend: 'pglite' | 'postgres',
  prefix: string,
): Promise<EvidenceFixture> {
  const db = await openTestDatabase(backend, prefix);
  const scratch = await mkdtemp(path.join(os.tmpdir(), `dp-${prefix}-`));
  return {
    db,
    store: new EvidenceStore(db),
    objects: new LocalObjectStore(path.join(scratch, 'objects')),
    scratch,
    dispose: async () => {
      await disposeTestDatabase(db);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
