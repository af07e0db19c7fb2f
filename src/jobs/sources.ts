import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BundleSource } from '../bundle/index.js';
import {
  PackagerError,
  type ArtifactKind,
  type AuditEvent,
  type KindOutcome,
  type TimeWindow,
} from '../domain/index.js';
import { manifestFactsOf, type EvidenceStore } from '../evidence/index.js';
import { DROPPED, type Redactor } from '../redaction/index.js';
import {
  pullSource,
  readPulledEvents,
  StoreSource,
  type EvidenceSource,
  type Pulled,
  type PulledDocument,
  type SourceDocument,
} from '../sources/index.js';
import type { ObjectStore } from '../storage/index.js';
import { backoffDelay, sleep, type BackoffPolicy } from './backoff.js';
import { classifyFailure, type Failure } from './failures.js';
import { Failpoints } from './failpoints.js';

/** How a source that fails for a transient reason is retried. */
export interface SourceRetryPolicy extends BackoffPolicy {
  /** Retries after the first try; 0 disables them. */
  retries: number;
}

export const DEFAULT_SOURCE_RETRY: SourceRetryPolicy = {
  retries: 3,
  baseMs: 500,
  maxMs: 10_000,
};

export interface SourceOptions {
  store: EvidenceStore;
  objects: ObjectStore;
  tenantId: string;
  window: TimeWindow;
  kinds: readonly ArtifactKind[];
  signal?: AbortSignal;
  faults?: Failpoints;
  retry?: SourceRetryPolicy;
  /** A kind's evidence starts streaming. */
  onKind?: (kind: ArtifactKind) => void;
  /** The last evidence entry is written. */
  onEvidenceWritten?: () => void;
  /** A source call failed, for whatever reason, retried or not. */
  onError?: (kind: ArtifactKind, failure: Failure) => void;
  /** A source failed for a transient reason and will be tried again. */
  onRetry?: (kind: ArtifactKind, failure: Failure, delayMs: number) => void;
  /** The tenant's jurisdiction tags, which every file carries. */
  jurisdictions?: readonly string[];
  /** Redacts audit events, and the documents of the kinds named. */
  redaction?: { redactor: Redactor; documents: ReadonlySet<ArtifactKind> };
  /** The tenant's connectors of a kind (docs/connectors.md); none if absent. */
  connectors?: (kind: ArtifactKind) => EvidenceSource[];
}

/**
 * A tenant's evidence for one window, kind by kind. `open` counts what
 * each requested kind holds; `sources` then streams every included kind
 * in a stable order (the audit events as one JSON Lines entry, then each
 * document by event time and SHA-512). A kind whose source still fails
 * after its retries, before any of it is written, is omitted with the
 * reason; the others go on. `outcomes` says what became of each kind.
 */
export class EvidenceSources {
  readonly outcomes: Partial<Record<ArtifactKind, KindOutcome>> = {};
  /** Items and bytes the opened kinds hold, for progress and ETA. */
  itemsExpected = 0;
  bytesExpected = 0;
  itemsDone = 0;

  private readonly faults: Failpoints;
  private readonly retry: SourceRetryPolicy;
  /** Items of each kind in the store, beside what connectors hold. */
  private readonly stored: Partial<Record<ArtifactKind, number>> = {};
  private readonly pulled: Partial<Record<ArtifactKind, Pulled[]>> = {};
  private pullDir: string | undefined;

  constructor(private readonly options: SourceOptions) {
    this.faults = options.faults ?? new Failpoints();
    this.retry = options.retry ?? DEFAULT_SOURCE_RETRY;
  }

  /** Counts each requested kind; a kind that cannot be counted is omitted. */
  async open(): Promise<void> {
    const { store, tenantId, window } = this.options;
    for (const kind of this.options.kinds) {
      const outcome: KindOutcome = {
        status: 'included',
        expected: 0,
        exported: 0,
        retries: 0,
      };
      this.outcomes[kind] = outcome;
      try {
        const count = await this.withRetries(kind, async () => {
          await this.faults.reach(`fetch.${kind}`, this.options.signal);
          return store.countKind(tenantId, kind, window);
        });
        this.stored[kind] = count.items;
        const pulled = await this.pullConnectors(kind);
        const items = count.items + pulled;
        outcome.expected = items;
        outcome.status = items === 0 ? 'empty' : 'included';
        this.itemsExpected += items;
        this.bytesExpected += count.bytes;
      } catch (error) {
        this.omit(kind, error);
      }
    }
  }

  /** Removes what connectors left on disk; call once the bundle is made. */
  async close(): Promise<void> {
    if (this.pullDir) await rm(this.pullDir, { recursive: true, force: true });
  }

  /**
   * Reads each connector of the kind to disk, whole, before any evidence
   * is written: a service that fails, even on its last page, leaves the
   * kind omitted with the connector's reason, never half in the bundle.
   */
  private async pullConnectors(kind: ArtifactKind): Promise<number> {
    const sources = this.options.connectors?.(kind) ?? [];
    if (sources.length === 0) return 0;
    this.pullDir ??= await mkdtemp(path.join(os.tmpdir(), 'dp-pull-'));
    const pulled: Pulled[] = [];
    try {
      for (const source of sources) {
        pulled.push(
          await pullSource(
            source,
            this.options.tenantId,
            this.options.window,
            this.pullDir,
          ),
        );
      }
    } catch (error) {
      throw new ConnectorFailed(error);
    }
    this.pulled[kind] = pulled;
    return pulled.reduce((sum, p) => sum + p.count, 0);
  }

  /** The bundle's evidence entries, read as the assembler asks for them. */
  async *sources(): AsyncGenerator<BundleSource> {
    for (const kind of this.options.kinds) {
      if (this.outcomes[kind]?.status !== 'included') continue;
      this.options.onKind?.(kind);
      const pulled = this.pulled[kind] ?? [];
      if (kind === 'audit-events') {
        if ((this.stored[kind] ?? 0) > 0) yield this.storeAuditSource();
        for (const p of pulled) {
          if (p.eventsFile) yield this.pulledAuditSource(p, p.eventsFile);
        }
        continue;
      }
      let docs: SourceDocument[];
      try {
        docs = await collect(
          this.storeSource(kind).documents(
            this.options.tenantId,
            this.options.window,
          ),
        );
      } catch (error) {
        this.omit(kind, error);
        continue;
      }
      for (const doc of docs) yield this.documentSource(doc);
      for (const p of pulled) {
        for (const doc of p.documents) {
          yield this.documentSource(fromPull(doc));
        }
      }
    }
    // Every evidence entry is written; the manifest comes next.
    this.options.onEvidenceWritten?.();
    await this.faults.reach('assemble', this.options.signal);
  }

  /** The kinds that were omitted, with their reasons. */
  omitted(): {
    kind: ArtifactKind;
    reason: { code: string; message: string };
  }[] {
    return Object.entries(this.outcomes).flatMap(([kind, o]) =>
      o.status === 'omitted' && o.reason
        ? [{ kind: kind as ArtifactKind, reason: o.reason }]
        : [],
    );
  }

  private omit(kind: ArtifactKind, error: unknown): void {
    this.options.signal?.throwIfAborted();
    const connector = error instanceof ConnectorFailed;
    const failure = classifyFailure(connector ? error.cause : error);
    // Only a source that did not answer makes a kind omitted; anything
    // else (a bug, corrupt evidence) fails the export. A connector's
    // service is the customer's, outside the export's control: whatever
    // it does wrong (refusing, breaking the read contract) omits the kind.
    if (!failure.transient && !connector) throw error;
    const outcome = this.outcomes[kind];
    if (!outcome) return;
    if (outcome.status === 'included') this.itemsExpected -= outcome.expected;
    outcome.status = 'omitted';
    outcome.reason = failure.error;
  }

  /**
   * Runs `work`, retrying transient failures with backoff and jitter. The
   * last failure is thrown once the retries are spent.
   */
  private async withRetries<T>(
    kind: ArtifactKind,
    work: () => Promise<T>,
  ): Promise<T> {
    for (let retry = 1; ; retry += 1) {
      this.options.signal?.throwIfAborted();
      try {
        return await work();
      } catch (error) {
        const failure = classifyFailure(error);
        if (!this.options.signal?.aborted) {
          this.options.onError?.(kind, failure);
        }
        if (!failure.transient || retry > this.retry.retries) throw error;
        if (this.options.signal?.aborted) throw error;
        const delay = backoffDelay(this.retry, retry);
        const outcome = this.outcomes[kind];
        if (outcome) outcome.retries += 1;
        this.options.onRetry?.(kind, failure, delay);
        await sleep(delay, this.options.signal);
      }
    }
  }

  /** The store as a source of one kind, each read retried. */
  private storeSource(kind: ArtifactKind): StoreSource {
    const { store, objects } = this.options;
    return new StoreSource(store, objects, kind, (read) =>
      this.withRetries(kind, read),
    );
  }

  private storeAuditSource(): BundleSource {
    const { tenantId, window } = this.options;
    return this.auditSource(
      'audit-events.jsonl',
      { sortedBy: ['time', 'id', 'source.format'] },
      () => this.storeSource('audit-events').events(tenantId, window),
    );
  }

  private pulledAuditSource(pulled: Pulled, file: string): BundleSource {
    return this.auditSource(
      `${pulled.source}.jsonl`,
      { sortedBy: ['time'], connector: pulled.source },
      () => readPulledEvents(file),
    );
  }

  private auditSource(
    preferredName: string,
    metadata: Record<string, unknown>,
    read: () => AsyncIterable<AuditEvent>,
  ): BundleSource {
    const outcome = this.outcomes['audit-events'] as KindOutcome;
    const { signal } = this.options;
    const redactor = this.options.redaction?.redactor;
    const formats: Record<string, number> = {};
    const jurisdictions = this.options.jurisdictions ?? [];
    const content = async function* (this: EvidenceSources) {
      // Lines are gathered into chunks: a million tiny writes through the
      // hash, deflate and ZIP streams cost far more than the bytes.
      let chunk: string[] = [];
      let length = 0;
      let first = true;
      for await (const event of read()) {
        const format = event.sourceFormat;
        formats[format] = (formats[format] ?? 0) + 1;
        const line = toAuditLine(event, redactor) + '\n';
        chunk.push(line);
        length += line.length;
        outcome.exported += 1;
        this.itemsDone += 1;
        if (length >= AUDIT_CHUNK_CHARS) {
          signal?.throwIfAborted();
          yield Buffer.from(chunk.join(''), 'utf8');
          chunk = [];
          length = 0;
          if (first) {
            first = false;
            await this.faults.reach('stream.audit-events', signal);
          }
        }
      }
      if (chunk.length > 0) yield Buffer.from(chunk.join(''), 'utf8');
    };
    return {
      kind: 'audit-events',
      preferredName,
      format: 'disclosure-audit-jsonl',
      specVersion: '1',
      mediaType: 'application/jsonl',
      eventTime: null,
      eventTimeRule: 'per event: its own time, by its format',
      metadata,
      content: () => content.call(this),
      items: () => outcome.exported,
      // Events per source format, in a stable order.
      counts: () =>
        Object.fromEntries(
          Object.entries(formats).sort(([a], [b]) => (a < b ? -1 : 1)),
        ),
      ...(jurisdictions.length > 0 && {
        jurisdictions: [...jurisdictions].sort(),
      }),
      redactions: () => countsOf(redactor),
    };
  }

  private documentSource(doc: SourceDocument): BundleSource {
    const redactor = this.options.redaction?.documents.has(doc.kind)
      ? this.options.redaction.redactor
      : undefined;
    let redacted = false;
    const content = redactor
      ? async function* (this: EvidenceSources) {
          const text = await readAll(this.checkedContent(doc));
          const next = redactor.redact(text);
          redacted = next !== text;
          yield Buffer.from(next === DROPPED ? '' : (next as string), 'utf8');
        }
      : () => this.checkedContent(doc);
    const facts = manifestFactsOf(doc, this.options.jurisdictions);
    return {
      kind: doc.kind,
      preferredName: doc.fileName,
      format: doc.format,
      specVersion: doc.specVersion,
      mediaType: doc.mediaType,
      eventTime: doc.eventTime,
      eventTimeExact: facts.eventTimeExact,
      eventTimeRule: facts.eventTimeRule,
      counts: () => facts.counts,
      ...(facts.outcomes && { outcomes: facts.outcomes }),
      ...(facts.subjects && { subjects: facts.subjects }),
      ...(facts.policyVersions && { policyVersions: facts.policyVersions }),
      ...(facts.jurisdictions && { jurisdictions: facts.jurisdictions }),
      metadata: doc.metadata,
      content: () => content.call(this),
      items: () => 1,
      redactions: () => countsOf(redactor),
      redacted: () => redacted,
    };
  }

  /**
   * Streams a document's stored bytes and refuses to finish if they no
   * longer hash to what was recorded at ingest, so a corrupted object fails
   * the export instead of being signed into a bundle.
   */
  private async *checkedContent(
    doc: SourceDocument,
  ): AsyncGenerator<Uint8Array> {
    const { signal } = this.options;
    const hash = createHash('sha512');
    const stream: Readable = await this.withRetries(doc.kind, doc.open);
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
    if (hash.digest('hex') !== doc.sha512) {
      throw new PackagerError(
        'DP_EVIDENCE_CORRUPT',
        `stored evidence ${doc.fileName} no longer matches its SHA-512`,
      );
    }
    const outcome = this.outcomes[doc.kind];
    if (outcome) outcome.exported += 1;
    this.itemsDone += 1;
  }
}

const AUDIT_CHUNK_CHARS = 64 * 1024;

/** A connector failed: the kind is omitted with its reason, whatever it is. */
class ConnectorFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a connector failed', { cause });
  }
}

function fromPull(doc: PulledDocument): SourceDocument {
  return { ...doc, open: () => Promise.resolve(createReadStream(doc.file)) };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

// Formats whose originals were parsed as JSON at ingest, one record a line.
const JSON_AUDIT_FORMATS: ReadonlySet<string> = new Set([
  'kubernetes-audit',
  'cloudtrail',
  'gcp-cloud-audit',
  'azure-activity-log',
  'm365-unified-audit',
  'generic-jsonl',
]);

/**
 * One line of audit-events.jsonl: the common fields, then `record`, the
 * original record. A one-line JSON original is spliced in byte for byte,
 * which is both faithful and far cheaper than parsing and re-serialising a
 * million records; a multi-line one is re-serialised (deterministically);
 * anything else goes in as a string.
 */
export function toAuditLine(event: AuditEvent, redactor?: Redactor): string {
  const fields = {
    time: event.eventTimeExact ?? event.eventTime.toISOString(),
    id: event.id,
    actor: event.actor,
    action: event.action,
    resource: event.resource,
    outcome: event.outcome,
    source: { format: event.sourceFormat, file: event.sourceName },
  };
  const head = JSON.stringify(redactor ? redactor.redact(fields) : fields);
  return `${head.slice(0, -1)},"record":${recordJson(event, redactor)}}`;
}

/**
 * The record, redacted when a rule matches it. Only a record that changed
 * is re-serialised; the rest keep the fast path below, byte for byte.
 */
function recordJson(event: AuditEvent, redactor?: Redactor): string {
  const { original } = event;
  if (redactor?.mayMatch(original)) {
    let parsed: unknown = original;
    try {
      parsed = JSON.parse(original);
    } catch {
      // Not JSON (syslog, auditd): the record is redacted as text.
    }
    const next = redactor.redact(parsed, ['record']);
    if (next !== parsed) return JSON.stringify(next === DROPPED ? null : next);
  }
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

function countsOf(redactor: Redactor | undefined) {
  if (!redactor) return [];
  return [...redactor.takeCounts()].map(([rule, count]) => ({ rule, count }));
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}
