export type {
  ArtifactProvenance,
  BundleProvenance,
  BundleRecord,
  ContainingBundle,
  DownloadRecord,
  ProvenanceStore,
} from './store.js';
export {
  PostgresProvenanceStore,
  nodeId,
  provenanceQueries,
} from './postgres.js';
// The Neo4j store is loaded only when NEO4J_URL asks for it.
export type { Neo4jProvenanceStore } from './neo4j.js';
export { provenanceFromConfig, type ProvenanceStores } from './config.js';
export { bundleRecordOf } from './record.js';
