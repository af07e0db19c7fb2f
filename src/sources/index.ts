export {
  authHeaderOf,
  connectorsFromFile,
  type ConnectorAuth,
  type ConnectorConfig,
} from './config.js';
export { Connectors } from './connectors.js';
export { HttpConnector, type ConnectorContext } from './http.js';
export {
  pullSource,
  readPulledEvents,
  type Pulled,
  type PulledDocument,
} from './pull.js';
export type { EvidenceSource, SourceDocument } from './source.js';
export { StoreSource, type Load } from './store.js';
