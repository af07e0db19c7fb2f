import type { ArtifactKind } from '../domain/index.js';
import type { ConnectorConfig } from './config.js';
import { HttpConnector, type ConnectorContext } from './http.js';
import type { EvidenceSource } from './source.js';

/**
 * The connectors of every tenant (DP_CONNECTORS_FILE), handing out the
 * sources of one tenant and kind for one export, bound to its signal.
 */
export class Connectors {
  constructor(
    private readonly configs: readonly ConnectorConfig[],
    private readonly base: Omit<ConnectorContext, 'signal' | 'onRetry'>,
  ) {}

  /** The tenant's sources of a kind, in the order of the file. */
  sourcesFor(
    tenantId: string,
    kind: ArtifactKind,
    run: Pick<ConnectorContext, 'signal' | 'onRetry'> = {},
  ): EvidenceSource[] {
    return this.configs
      .filter((c) => c.tenant === tenantId && c.kind === kind)
      .map((c) => new HttpConnector(c, { ...this.base, ...run }));
  }
}
