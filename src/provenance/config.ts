import type { Config } from '../config/index.js';
import { tenantScopedDatabase, type Database } from '../db/index.js';
import { PostgresProvenanceStore } from './postgres.js';
import type { ProvenanceStore } from './store.js';

/** The graph for writers that span tenants, and each tenant's view. */
export interface ProvenanceStores {
  /** The worker's and the sweeper's: every tenant. */
  shared: ProvenanceStore;
  /** The API's, for one tenant: under row-level security on PostgreSQL. */
  forTenant(tenantId: string): ProvenanceStore;
  close(): Promise<void>;
}

/**
 * Neo4j when NEO4J_URL is set, else tables in the product's PostgreSQL.
 * Neo4j has no row-level security: there every query names its tenant.
 */
export async function provenanceFromConfig(
  config: Pick<Config, 'neo4jUrl' | 'neo4jUser' | 'neo4jPassword'>,
  db: Database,
): Promise<ProvenanceStores> {
  if (config.neo4jUrl) {
    const { Neo4jProvenanceStore } = await import('./neo4j.js');
    const store = Neo4jProvenanceStore.fromUrl(
      config.neo4jUrl,
      config.neo4jUser,
      config.neo4jPassword,
    );
    return {
      shared: store,
      forTenant: () => store,
      close: () => store.close(),
    };
  }
  return {
    shared: new PostgresProvenanceStore(db),
    forTenant: (tenantId) =>
      new PostgresProvenanceStore(tenantScopedDatabase(db, tenantId)),
    close: () => Promise.resolve(),
  };
}
