import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantScopedDatabase, type Database } from '../../src/db/index.js';
import { PostgresProvenanceStore } from '../../src/provenance/index.js';
import {
  BACKENDS,
  disposeTestDatabase,
  openTestDatabase,
} from '../support/db.js';
import { aBundle, provenanceContract } from './contract.js';

async function openWithTenants(backend: 'pglite' | 'postgres') {
  const db = await openTestDatabase(backend, 'prov');
  await db.query(
    "INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')",
  );
  return db;
}

describe.each(BACKENDS)('on %s', (backend) => {
  provenanceContract('PostgreSQL', async () => {
    const db = await openWithTenants(backend);
    return {
      store: new PostgresProvenanceStore(db),
      close: () => disposeTestDatabase(db),
    };
  });

  describe('under row-level security', () => {
    let db: Database;
    const record = aBundle(
      'acme',
      [{ sha512: 'a'.repeat(128), kind: 'sboms', path: 'sboms/x.json' }],
      new Date('2026-03-01T00:00:00Z'),
    );

    beforeAll(async () => {
      db = await openWithTenants(backend);
      await new PostgresProvenanceStore(db).recordBundle(record);
    });
    afterAll(async () => {
      if (db) await disposeTestDatabase(db);
    });

    it("a tenant's scope cannot read another's graph, even by asking", async () => {
      const globex = new PostgresProvenanceStore(
        tenantScopedDatabase(db, 'globex'),
      );
      expect(await globex.bundle('acme', record.bundle.sha512)).toBeNull();
      expect(await globex.artifact('acme', 'a'.repeat(128))).toBeNull();
      const acme = new PostgresProvenanceStore(
        tenantScopedDatabase(db, 'acme'),
      );
      expect(await acme.bundle('acme', record.bundle.sha512)).not.toBeNull();
    });
  });
});
