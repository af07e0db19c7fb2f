import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  exactTimeOf,
  PackagerError,
  storableJson,
  type ArtifactKind,
  type EvidenceDocument,
} from '../domain/index.js';
import type { GenericAuditFields } from './formats/generic.js';
import type { ObjectStore } from '../storage/index.js';
import type { Metrics } from '../telemetry/index.js';
import { detectEvidence, type Detection } from './detect.js';
import { isLarge, readLargeDocument, type DocumentDetection } from './large.js';
import {
  conflictWarning,
  eventStatus,
  failed,
  toAuditEvent,
  type IngestFileResult,
} from './result.js';
import { streamableFormat } from './sniff.js';
import type { EvidenceStore } from './store.js';
import {
  MAX_LINE_BYTES,
  MAX_LISTED_ERRORS,
  streamAuditFile,
} from './stream.js';
import { MAX_FILE_BYTES, readBounded, walk, type Walked } from './walk.js';

export type { IngestFileResult } from './result.js';

/** Counts are of files: stored includes partial ones. */
export interface IngestSummary {
  files: IngestFileResult[];
  stored: number;
  duplicates: number;
  failed: number;
}

export interface IngestOptions {
  tenantId: string;
  paths: string[];
  store: EvidenceStore;
  objects: ObjectStore;
  now?: () => Date;
  onFile?: (result: IngestFileResult) => void;
  /**
   * Largest file read whole; JSON Lines audit logs and the large
   * documents read as a stream (large.ts) may be larger.
   */
  maxFileBytes?: number;
  /**
   * From this size on, an SBOM or scan report is read as a stream
   * instead of whole (large.ts).
   */
  streamFromBytes?: number;
  /** Longest JSON Lines record; a longer line is a line error. */
  maxLineBytes?: number;
  /** Where the fields sit in JSON Lines audit logs of no known format. */
  genericAudit?: GenericAuditFields;
  /** Tags given with the files, kept in each document's metadata. */
  tags?: string[];
  /** Counts files and what was noticed in them (dp_evidence_*). */
  metrics?: Metrics;
}

/** One file, as the ingest API receives it, with what its sender says. */
export interface FileIngestOptions extends Omit<
  IngestOptions,
  'paths' | 'onFile'
> {
  file: string;
  /** Refuse the file, storing nothing, unless it is of one of these kinds. */
  expect?: readonly ArtifactKind[];
  /** Tags of a document, kept in its metadata. */
  tags?: string[];
  /** The time a document belongs to, over the time it states. */
  eventTime?: Date;
}

interface Context extends IngestOptions {
  now: () => Date;
  maxFileBytes: number;
  streamFromBytes: number;
  maxLineBytes: number;
  expect?: readonly ArtifactKind[];
  tags?: string[];
  eventTime?: Date;
}

/**
 * Reads files and folders into a tenant's evidence: folders recursively
 * in sorted order, dotfiles skipped. One bad file never stops the others;
 * each is reported. Throws only when the tenant does not exist.
 */
export async function ingestPaths(
  options: IngestOptions,
): Promise<IngestSummary> {
  const tenant = await options.store.getTenant(options.tenantId);
  if (!tenant) {
    throw new PackagerError(
      'DP_TENANT_UNKNOWN',
      `no tenant ${JSON.stringify(options.tenantId)}`,
    );
  }
  const context = contextOf(options);
  const files: IngestFileResult[] = [];
  for (const start of options.paths) {
    for await (const file of walk(start)) {
      const result = await readFile(context, file);
      if (options.metrics) countFile(options.metrics, result);
      files.push(result);
      options.onFile?.(result);
    }
  }
  const summary = summarise(files);
  // The query planner needs fresh statistics to page through a window by
  // index; PGlite has no autovacuum to gather them after a bulk load.
  if (summary.stored > 0) await options.store.refreshStatistics();
  return summary;
}

/**
 * Reads one file into a tenant's evidence by the same path as
 * ingestPaths (the CLI's). Throws DP_EVIDENCE_KIND_MISMATCH, before
 * storing anything, when the file is not of the kind expected.
 */
export async function ingestFile(
  options: FileIngestOptions,
): Promise<IngestFileResult> {
  const context = contextOf({ ...options, paths: [options.file] });
  const result = await readFile(context, options.file);
  if (options.metrics) countFile(options.metrics, result);
  if (result.status !== 'failed' && result.status !== 'duplicate') {
    await options.store.refreshStatistics();
  }
  return result;
}

function contextOf(options: IngestOptions & Partial<Context>): Context {
  return {
    ...options,
    now: options.now ?? (() => new Date()),
    maxFileBytes: options.maxFileBytes ?? MAX_FILE_BYTES,
    streamFromBytes: options.streamFromBytes ?? STREAM_FROM_BYTES,
    maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES,
  };
}

function countFile(metrics: Metrics, result: IngestFileResult): void {
  const format = result.format ?? 'unrecognised';
  metrics.evidenceFiles.inc({
    kind: result.kind ?? 'unknown',
    format,
    status: result.status,
  });
  // A refused file's one error is its reason, not a record left out.
  const lineErrors = result.status === 'failed' ? 0 : result.errors.length;
  if (lineErrors > 0) {
    metrics.evidenceProblems.inc({ format, problem: 'line-error' }, lineErrors);
  }
  const warnings = result.warnings?.length ?? 0;
  if (warnings > 0) {
    metrics.evidenceProblems.inc({ format, problem: 'warning' }, warnings);
  }
}

function summarise(files: IngestFileResult[]): IngestSummary {
  const count = (...statuses: IngestFileResult['status'][]) =>
    files.filter((f) => statuses.includes(f.status)).length;
  return {
    files,
    stored: count('stored', 'partial'),
    duplicates: count('duplicate'),
    failed: count('failed'),
  };
}

async function readFile(ctx: Context, file: Walked): Promise<IngestFileResult> {
  if (typeof file !== 'string') return failed(file.path, file.error);
  // A large SBOM or scan report, read as a stream; one JSON value is
  // never also JSON Lines, so the order is free.
  const large = await readLarge(ctx, file);
  if (large) {
    assertExpected(ctx, large.detection.kind, large.detection.format);
    ctx.metrics?.evidenceStreamed.inc({ format: large.detection.format });
    return storing(file, () =>
      storeDocument(ctx, file, large.content, large.detection),
    );
  }
  // Audit logs are the one kind of evidence that grows without bound.
  const options = { genericAudit: ctx.genericAudit };
  const streamed = await streamableFormat(file, ctx.maxLineBytes, options);
  if (streamed) {
    assertExpected(ctx, 'audit-events', streamed.name);
    return streamAuditFile(ctx, file, streamed);
  }
  const bytes = await readBounded(file, ctx.maxFileBytes);
  if (typeof bytes === 'string') return failed(file, bytes);
  const detection = detectEvidence(file, bytes, options);
  if (detection.type !== 'unrecognised') {
    const kind =
      detection.type === 'document' ? detection.kind : 'audit-events';
    assertExpected(ctx, kind, detection.format);
  }
  return storing(file, () => storeDetection(ctx, file, bytes, detection));
}

async function storing(
  file: string,
  store: () => Promise<IngestFileResult>,
): Promise<IngestFileResult> {
  try {
    return await store();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(file, `could not be stored (${message})`);
  }
}

/** Below this size a document is read whole: that is faster, and small. */
export const STREAM_FROM_BYTES = 8 * 1024 * 1024;

/** A document's bytes, by their digest and a way to read them again. */
interface Content {
  size: number;
  sha512: string;
  read: () => Readable | AsyncIterable<Uint8Array>;
}

/**
 * A large SBOM or scan report read as a stream (large.ts): the same
 * detection that reading it whole gives, with its bytes left on disk.
 * Null when the file is small, not such a document, or anything the
 * streaming readers cannot decide.
 */
async function readLarge(
  ctx: Context,
  file: string,
): Promise<{ detection: DocumentDetection; content: Content } | null> {
  if (!(await isLarge(file, ctx.streamFromBytes))) return null;
  const large = await readLargeDocument(file, {
    genericAudit: ctx.genericAudit,
  });
  if (!large) return null;
  const { size, sha512 } = large.digest;
  const read = () => reread(file, { size, sha512 });
  return { detection: large.detection, content: { size, sha512, read } };
}

/**
 * The file's bytes again, for the object store. A file that changed
 * since its outline was read fails the put, which then keeps nothing.
 */
async function* reread(
  file: string,
  expected: { size: number; sha512: string },
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
    yield chunk;
  }
  if (size !== expected.size || hash.digest('hex') !== expected.sha512) {
    throw new Error('the file changed while it was being read');
  }
}

function assertExpected(ctx: Context, kind: ArtifactKind, format: string) {
  if (!ctx.expect || ctx.expect.includes(kind)) return;
  throw new PackagerError(
    'DP_EVIDENCE_KIND_MISMATCH',
    `the file reads as ${kind} (${format}), not ${ctx.expect.join(' or ')}`,
  );
}

function storeDetection(
  ctx: Context,
  file: string,
  bytes: Buffer,
  detection: Detection,
): Promise<IngestFileResult> {
  switch (detection.type) {
    case 'unrecognised':
      return Promise.resolve(failed(file, `not ingested: ${detection.reason}`));
    case 'audit-events':
      return storeEvents(ctx, file, detection);
    case 'document':
      return storeDocument(ctx, file, contentOf(bytes), detection);
  }
}

async function storeEvents(
  ctx: Context,
  file: string,
  detection: Extract<Detection, { type: 'audit-events' }>,
): Promise<IngestFileResult> {
  const name = path.basename(file);
  const source = { ...ctx, format: detection.format, name };
  const events = detection.events.map((e) => toAuditEvent(e, source));
  const { inserted, conflicting } = await ctx.store.addAuditEvents(events);
  const errors = detection.errors.map(
    (e) => `${name} line ${e.line}: ${e.message}`,
  );
  if (events.length === 0) errors.push(`${name}: no audit event could be read`);
  return {
    path: file,
    status: eventStatus(events.length, inserted, errors.length),
    kind: 'audit-events',
    format: detection.format,
    items: inserted,
    read: events.length,
    lineErrors: detection.errors.slice(0, MAX_LISTED_ERRORS),
    errors,
    warnings: [
      ...detection.warnings.map((w) => `${name} ${w}`),
      ...conflictWarning(name, conflicting),
    ],
  };
}

/**
 * What the index keeps of a document beyond its columns: the format's
 * facts, the rule that chose its time (docs/evidence-formats.md) and the
 * time with every digit it was written with, tags, and warnings.
 */
function documentMetadata(
  detection: DocumentDetection,
  warnings: string[],
  tags: string[] | undefined,
): Record<string, unknown> {
  const time = detection.eventTime;
  const exact = time ? exactTimeOf(time) : null;
  return {
    ...detection.metadata,
    eventTimeRule: detection.eventTimeRule ?? INGEST_RULE,
    ...(time && exact !== time.toISOString() ? { eventTimeExact: exact } : {}),
    ...(tags && tags.length > 0 ? { tags: [...new Set(tags)].sort() } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The rule of a document that states no time of its own. */
export const INGEST_RULE = 'ingest time (the document states none)';

function contentOf(bytes: Buffer): Content {
  return {
    size: bytes.length,
    sha512: createHash('sha512').update(bytes).digest('hex'),
    read: () => Readable.from([bytes]),
  };
}

async function storeDocument(
  ctx: Context,
  file: string,
  { size, sha512, read }: Content,
  detection: DocumentDetection,
): Promise<IngestFileResult> {
  const location = `evidence/${ctx.tenantId}/${sha512}`;
  // Keys are content addresses: same key, same bytes, so skip a rewrite.
  if ((await ctx.objects.head(location))?.size !== size) {
    await ctx.objects.put(location, read());
  }
  const ingestedAt = ctx.now();
  const warnings = [...detection.warnings];
  if (!detection.eventTime && !ctx.eventTime) {
    warnings.push('the document states no time; the ingest time is used');
  }
  if (storableJson(detection.metadata).changed) {
    warnings.push(
      'the document holds NUL characters or lone surrogates in text the ' +
        'index keeps; the index shows them as U+FFFD, the document is ' +
        'kept as received',
    );
  }
  const id = randomUUID();
  const added = await ctx.store.addDocument({
    tenantId: ctx.tenantId,
    id,
    kind: detection.kind,
    format: detection.format,
    specVersion: detection.specVersion,
    mediaType: detection.mediaType,
    eventTime: ctx.eventTime ?? detection.eventTime ?? ingestedAt,
    eventTimeSource: eventTimeSourceOf(ctx, detection),
    fileName: path.basename(file),
    size,
    sha512,
    location,
    metadata: documentMetadata(detection, warnings, ctx.tags),
    ingestedAt,
  });
  return {
    path: file,
    status: added ? 'stored' : 'duplicate',
    kind: detection.kind,
    format: detection.format,
    items: added ? 1 : 0,
    id: added ? id : await ctx.store.documentIdOf(ctx.tenantId, sha512),
    errors: [],
    warnings,
  };
}

function eventTimeSourceOf(
  ctx: Context,
  detection: DocumentDetection,
): EvidenceDocument['eventTimeSource'] {
  if (ctx.eventTime) return 'supplied';
  return detection.eventTime ? 'document' : 'ingest';
}
