import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { exactTimeOf, PackagerError } from '../domain/index.js';
import type { GenericAuditFields } from './formats/generic.js';
import type { ObjectStore } from '../storage/index.js';
import type { Metrics } from '../telemetry/index.js';
import { detectEvidence, type Detection } from './detect.js';
import {
  conflictWarning,
  eventStatus,
  failed,
  toAuditEvent,
  type IngestFileResult,
} from './result.js';
import { streamableFormat } from './sniff.js';
import type { EvidenceStore } from './store.js';
import { MAX_LINE_BYTES, streamAuditFile } from './stream.js';
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
  /** Largest file read whole; JSON Lines audit logs stream past it. */
  maxFileBytes?: number;
  /** Longest JSON Lines record; a longer line is a line error. */
  maxLineBytes?: number;
  /** Where the fields sit in JSON Lines audit logs of no known format. */
  genericAudit?: GenericAuditFields;
  /** Tags given with the files, kept in each document's metadata. */
  tags?: string[];
  /** Counts files and what was noticed in them (dp_evidence_*). */
  metrics?: Metrics;
}

interface Context extends IngestOptions {
  now: () => Date;
  maxFileBytes: number;
  maxLineBytes: number;
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
  const context: Context = {
    ...options,
    now: options.now ?? (() => new Date()),
    maxFileBytes: options.maxFileBytes ?? MAX_FILE_BYTES,
    maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES,
  };
  const files: IngestFileResult[] = [];
  for (const start of options.paths) {
    for await (const file of walk(start)) {
      const result = await ingestFile(context, file);
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

async function ingestFile(
  ctx: Context,
  file: Walked,
): Promise<IngestFileResult> {
  if (typeof file !== 'string') return failed(file.path, file.error);
  // Audit logs are the one kind of evidence that grows without bound.
  const options = { genericAudit: ctx.genericAudit };
  const streamed = await streamableFormat(file, ctx.maxLineBytes, options);
  if (streamed) return streamAuditFile(ctx, file, streamed);
  const bytes = await readBounded(file, ctx.maxFileBytes);
  if (typeof bytes === 'string') return failed(file, bytes);
  const detection = detectEvidence(file, bytes, options);
  try {
    return await storeDetection(ctx, file, bytes, detection);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(file, `could not be stored (${message})`);
  }
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
      return storeDocument(ctx, file, bytes, detection);
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
  detection: Extract<Detection, { type: 'document' }>,
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

async function storeDocument(
  ctx: Context,
  file: string,
  bytes: Buffer,
  detection: Extract<Detection, { type: 'document' }>,
): Promise<IngestFileResult> {
  const sha512 = createHash('sha512').update(bytes).digest('hex');
  const location = `evidence/${ctx.tenantId}/${sha512}`;
  // Keys are content addresses: same key, same bytes, so skip a rewrite.
  if ((await ctx.objects.head(location))?.size !== bytes.length) {
    await ctx.objects.put(location, Readable.from([bytes]));
  }
  const ingestedAt = ctx.now();
  const warnings = [...detection.warnings];
  if (!detection.eventTime) {
    warnings.push('the document states no time; the ingest time is used');
  }
  const added = await ctx.store.addDocument({
    tenantId: ctx.tenantId,
    id: randomUUID(),
    kind: detection.kind,
    format: detection.format,
    specVersion: detection.specVersion,
    mediaType: detection.mediaType,
    eventTime: detection.eventTime ?? ingestedAt,
    eventTimeSource: detection.eventTime ? 'document' : 'ingest',
    fileName: path.basename(file),
    size: bytes.length,
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
    errors: [],
    warnings,
  };
}
