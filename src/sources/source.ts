import type {
  ArtifactKind,
  AuditEvent,
  DocumentKind,
  TimeWindow,
} from '../domain/index.js';

/** A document as a source hands it over: its facts and its bytes. */
export interface FetchedDocument {
  kind: DocumentKind;
  fileName: string;
  format: string;
  specVersion: string | null;
  mediaType: string;
  eventTime: Date;
  sha512: string;
  size: number;
  metadata: Record<string, unknown>;
  bytes: Buffer;
}

/**
 * Where a tenant's evidence of one kind can be read for a window, besides
 * the packager's own store. Both methods are pull-based: the next page is
 * not asked for before the caller has taken the items of the last one,
 * so a slow consumer (the ZIP stream, a disk) holds the source back and
 * memory stays at about one page. A method fails with a PackagerError
 * whose code says why (docs/connectors.md, "Outcomes").
 */
export interface EvidenceSource {
  /** Names the source in manifests, logs and job warnings. */
  readonly name: string;
  /** The kind of evidence this source holds. */
  readonly kind: ArtifactKind;
  /** Audit events in the window, in ascending time. */
  events(tenantId: string, window: TimeWindow): AsyncIterable<AuditEvent>;
  /** Documents of the source's kind in the window. */
  documents(window: TimeWindow): AsyncIterable<FetchedDocument>;
}
