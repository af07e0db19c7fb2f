import type { Readable } from 'node:stream';
import type {
  ArtifactKind,
  AuditEvent,
  DocumentKind,
  TimeWindow,
} from '../domain/index.js';

/** A document as a source hands it over: its facts, and its bytes. */
export interface SourceDocument {
  kind: DocumentKind;
  fileName: string;
  format: string;
  specVersion: string | null;
  mediaType: string;
  eventTime: Date;
  /** Hex SHA-512 of the bytes, which the bundle checks as they stream. */
  sha512: string;
  size: number;
  metadata: Record<string, unknown>;
  /** Opens the bytes; may be called again after a failure. */
  open: () => Promise<Readable>;
}

/**
 * Where a tenant's evidence of one kind is read for a window: the
 * packager's own store, or a connector to the customer's service. Both
 * methods are pull-based: the next page is not asked for before the
 * caller has taken the items of the last one, so a slow consumer (the
 * ZIP stream, a disk) holds the source back and memory stays at about one
 * page. A method fails with an error whose code says why
 * (docs/connectors.md, "Retries and outcomes").
 */
export interface EvidenceSource {
  /** Names the source in manifests, logs and job warnings. */
  readonly name: string;
  /** The kind of evidence read from this source. */
  readonly kind: ArtifactKind;
  /** Audit events in the window, in ascending time. */
  events(tenantId: string, window: TimeWindow): AsyncIterable<AuditEvent>;
  /** Documents of the source's kind in the window. */
  documents(
    tenantId: string,
    window: TimeWindow,
  ): AsyncIterable<SourceDocument>;
}
