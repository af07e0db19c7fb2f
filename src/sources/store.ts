import type {
  ArtifactKind,
  AuditEvent,
  DocumentKind,
  TimeWindow,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { EvidenceSource, SourceDocument } from './source.js';

/** Runs one read of the store; a caller may wrap it to retry it. */
export type Load = <T>(read: () => Promise<T>) => Promise<T>;

/**
 * The packager's own store as a source: audit events by keyset pages
 * (each page one `load`), documents listed from the index and their bytes
 * streamed from the object store.
 */
export class StoreSource implements EvidenceSource {
  readonly name = 'store';

  constructor(
    private readonly store: EvidenceStore,
    private readonly objects: ObjectStore,
    readonly kind: ArtifactKind,
    private readonly load: Load = (read) => read(),
  ) {}

  events(tenantId: string, window: TimeWindow): AsyncIterable<AuditEvent> {
    return this.store.streamAuditEvents(tenantId, window, {
      loadPage: this.load,
    });
  }

  async *documents(
    tenantId: string,
    window: TimeWindow,
  ): AsyncGenerator<SourceDocument> {
    const docs = await this.load(() =>
      this.store.listDocuments(tenantId, this.kind as DocumentKind, window),
    );
    for (const doc of docs) {
      yield {
        ...doc,
        metadata: { ...doc.metadata, eventTimeSource: doc.eventTimeSource },
        open: () => this.objects.get(doc.location),
      };
    }
  }
}
