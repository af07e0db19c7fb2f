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
export { CYPHER, Neo4jProvenanceStore } from './neo4j.js';
export { provenanceFromConfig, type ProvenanceStores } from './config.js';
export { bundleRecordOf } from './record.js';
