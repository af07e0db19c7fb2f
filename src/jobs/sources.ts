import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BundleSource } from '../bundle/index.js';
import {
  PackagerError,
  type ArtifactKind,
  type AuditEvent,
  type EvidenceDocument,
  type TimeWindow,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { ObjectStore } from '../storage/index.js';

export interface SourcePlan {
  sources: BundleSource[];
  missing: { kind: ArtifactKind; reason: string }[];
  /** Items the window holds per requested kind, known before streaming. */
  totals: Partial<Record<ArtifactKind, number>>;
  /** Items streamed so far, across all sources, for progress. */
  itemsDone(): number;
}

/** Counts items as sources stream them. */
class ItemCounter {
  count = 0;
}

/**
 * Plans a bundle's entries for (tenant, window, kinds): the audit events as
 * one JSON Lines entry, then every document, kind by kind, in a stable
 * order (event time, then SHA-512). Nothing is read yet.
 */
export async function planSources(
  store: EvidenceStore,
  objects: ObjectStore,
  tenantId: string,
  window: TimeWindow,
  kinds: readonly ArtifactKind[],
): Promise<SourcePlan> {
  const counter = new ItemCounter();
  const plan: SourcePlan = {
    sources: [],
    missing: [],
    totals: {},
    itemsDone: () => counter.count,
  };
  const counts = await store.countInWindow(tenantId, window);
  for (const kind of kinds) {
    plan.totals[kind] = counts[kind];
    if (counts[kind] === 0) {
      plan.missing.push({ kind, reason: `no ${kind} in the window` });
    } else if (kind === 'audit-events') {
      plan.sources.push(auditSource(store, tenantId, window, counter));
    } else {
      const docs = await store.listDocuments(tenantId, kind, window);
      plan.sources.push(
        ...docs.map((doc) => documentSource(objects, doc, counter)),
      );
    }
  }
  return plan;
}

const AUDIT_CHUNK_CHARS = 64 * 1024;

function auditSource(
  store: EvidenceStore,
  tenantId: string,
  window: TimeWindow,
  counter: ItemCounter,
): BundleSource {
  let items = 0;
  return {
    kind: 'audit-events',
    preferredName: 'audit-events.jsonl',
    format: 'disclosure-audit-jsonl',
    specVersion: '1',
    mediaType: 'application/jsonl',
    eventTime: null,
    metadata: { sortedBy: ['time', 'id', 'source.format'] },
    content: async function* () {
      // Lines are gathered into chunks: a million tiny writes through the
      // hash, deflate and ZIP streams cost far more than the bytes.
      let chunk: string[] = [];
      let length = 0;
      for await (const event of store.streamAuditEvents(tenantId, window)) {
        const line = toAuditLine(event) + '\n';
        chunk.push(line);
        length += line.length;
        items += 1;
        counter.count += 1;
        if (length >= AUDIT_CHUNK_CHARS) {
          yield Buffer.from(chunk.join(''), 'utf8');
          chunk = [];
          length = 0;
        }
      }
      if (chunk.length > 0) yield Buffer.from(chunk.join(''), 'utf8');
    },
    items: () => items,
  };
}

// Formats whose originals were parsed as JSON at ingest, one record a line.
const JSON_AUDIT_FORMATS: ReadonlySet<string> = new Set([
  'kubernetes-audit',
  'cloudtrail',
]);

/**
 * One line of audit-events.jsonl: the common fields, then `record`, the
 * original record. A one-line JSON original is spliced in byte for byte,
 * which is both faithful and far cheaper than parsing and re-serialising a
 * million records; a multi-line one is re-serialised (deterministically);
 * anything else goes in as a string.
 */
export function toAuditLine(event: AuditEvent): string {
  const head = JSON.stringify({
    time: event.eventTime.toISOString(),
    id: event.id,
    actor: event.actor,
    action: event.action,
    resource: event.resource,
    outcome: event.outcome,
    source: { format: event.sourceFormat, file: event.sourceName },
  });
  return `${head.slice(0, -1)},"record":${recordJson(event)}}`;
}

function recordJson(event: AuditEvent): string {
  const { original } = event;
  if (JSON_AUDIT_FORMATS.has(event.sourceFormat) && isOneLineObject(original)) {
    return original;
  }
  try {
    return JSON.stringify(JSON.parse(original) as unknown);
  } catch {
    return JSON.stringify(original);
  }
}

function isOneLineObject(text: string): boolean {
  return (
    text.startsWith('{') &&
    text.endsWith('}') &&
    !text.includes('\n') &&
    !text.includes('\r')
  );
}

function documentSource(
  objects: ObjectStore,
  doc: EvidenceDocument,
  counter: ItemCounter,
): BundleSource {
  return {
    kind: doc.kind,
    preferredName: doc.fileName,
    format: doc.format,
    specVersion: doc.specVersion,
    mediaType: doc.mediaType,
    eventTime: doc.eventTime,
    metadata: { ...doc.metadata, eventTimeSource: doc.eventTimeSource },
    content: () => checkedContent(objects, doc, counter),
    items: () => 1,
  };
}

/**
 * Streams a document's stored bytes and refuses to finish if they no longer
 * hash to what was recorded at ingest, so a corrupted object fails the
 * export instead of being signed into a bundle.
 */
async function* checkedContent(
  objects: ObjectStore,
  doc: EvidenceDocument,
  counter: ItemCounter,
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha512');
  const stream: Readable = await objects.get(doc.location);
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  if (hash.digest('hex') !== doc.sha512) {
    throw new PackagerError(
      'DP_EVIDENCE_CORRUPT',
      `stored evidence ${doc.fileName} no longer matches its SHA-512`,
    );
  }
  counter.count += 1;
}
