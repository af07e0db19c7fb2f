import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { leapSecondWarning, type AuditEvent } from '../domain/index.js';
import { readEntry, type AuditFormat } from './formats/events.js';
import { notUtf8, toEntry } from './formats/lines.js';
import { pemLabels, privateKeyRefusal } from './formats/pem.js';
import type { LineError, ParsedAuditEvent } from './formats/shared.js';
import {
  conflictWarning,
  eventStatus,
  failed,
  toAuditEvent,
  type IngestFileResult,
} from './result.js';
import { lineText, readLines, type Line } from './splitter.js';
import type { AddedEvents, EvidenceStore } from './store.js';
import { sizeText } from './walk.js';
import { MAX_RECORD_BYTES } from './formats/shared.js';

/** Longest JSON Lines record read; a longer line is a line error. */
export const MAX_LINE_BYTES = MAX_RECORD_BYTES;

/** Line errors listed per file; the rest are counted, so memory stays flat. */
export const MAX_LISTED_ERRORS = 100;

// Events held in memory between two inserts.
const BATCH = 1000;

/** What streaming a file needs from the ingest run. */
export interface StreamContext {
  tenantId: string;
  store: EvidenceStore;
  maxLineBytes: number;
}

/**
 * Stores the audit events of a JSON Lines file while reading it, a batch
 * at a time, so memory stays flat whatever the file's size. Gives the same
 * events, line errors and status as whole-file detection, except that only
 * the first MAX_LISTED_ERRORS line errors are listed.
 */
export async function streamAuditFile(
  ctx: StreamContext,
  file: string,
  format: AuditFormat,
): Promise<IngestFileResult> {
  const tally = new Tally(path.basename(file));
  try {
    // A first pass, because a key found halfway would come too late: the
    // events before it would be stored already.
    const refusal = await findPrivateKey(file, ctx.maxLineBytes);
    if (refusal) return failed(file, `not ingested: ${refusal}`);
    await storeLines(ctx, file, format, tally);
  } catch (error) {
    tally.stop(error);
  }
  return {
    path: file,
    status: eventStatus(tally.read, tally.inserted, tally.errorCount),
    kind: 'audit-events',
    format: format.name,
    items: tally.inserted,
    read: tally.read,
    lineErrors: tally.lineErrors,
    errors: tally.messages(),
    warnings: [
      ...tally.warnings,
      ...conflictWarning(tally.name, tally.conflicting),
    ],
  };
}

/** Refuses a file with a PEM private key on any line, as detection does. */
async function findPrivateKey(
  file: string,
  maxLineBytes: number,
): Promise<string | null> {
  for await (const { line, bytes } of readLines(file, maxLineBytes)) {
    // A cheap test on the bytes; few lines need decoding.
    if (!bytes?.includes('PRIVATE KEY')) continue;
    const refusal = privateKeyRefusal(pemLabels(lineText(line, bytes)));
    if (refusal) return refusal;
  }
  return null;
}

async function storeLines(
  ctx: StreamContext,
  file: string,
  format: AuditFormat,
  tally: Tally,
): Promise<void> {
  const source = { ...ctx, format: format.name, name: tally.name };
  let batch: AuditEvent[] = [];
  for await (const line of readLines(file, ctx.maxLineBytes)) {
    tally.line = line.line;
    const event = readLine(format, line, ctx.maxLineBytes);
    if (!event) continue;
    if ('message' in event) tally.error(event);
    else {
      tally.check(line.line, event);
      batch.push(toAuditEvent(event, source));
    }
    if (batch.length >= BATCH) {
      tally.stored(batch.length, await ctx.store.addAuditEvents(batch));
      batch = [];
    }
  }
  tally.stored(batch.length, await ctx.store.addAuditEvents(batch));
}

function readLine(
  format: AuditFormat,
  line: Line,
  maxLineBytes: number,
): ParsedAuditEvent | LineError | null {
  if (!line.bytes) {
    return {
      line: line.line,
      message: `longer than ${sizeText(maxLineBytes)}`,
    };
  }
  if (!isUtf8(line.bytes)) return notUtf8(line.line);
  const entry = toEntry(lineText(line.line, line.bytes), line.line);
  return Array.isArray(entry) ? readEntry(format, entry) : entry;
}

/** Counts of one streamed file, and the messages worth keeping. */
class Tally {
  read = 0;
  inserted = 0;
  errorCount = 0;
  line = 0;
  private listed: string[] = [];
  readonly lineErrors: LineError[] = [];
  private trailer: string[] = [];

  constructor(readonly name: string) {}

  readonly conflicting: string[] = [];
  /** Leap seconds kept as written, the first MAX_LISTED_ERRORS of them. */
  readonly warnings: string[] = [];

  check(line: number, event: ParsedAuditEvent): void {
    const leap = leapSecondWarning(event.eventTime);
    if (leap && this.warnings.length < MAX_LISTED_ERRORS) {
      this.warnings.push(`${this.name} line ${line}: ${leap}`);
    }
  }

  stored(read: number, added: AddedEvents): void {
    this.read += read;
    this.inserted += added.inserted;
    this.conflicting.push(...added.conflicting);
  }

  error({ line, message }: LineError): void {
    this.errorCount += 1;
    if (this.listed.length < MAX_LISTED_ERRORS) {
      this.listed.push(`${this.name} line ${line}: ${message}`);
      this.lineErrors.push({ line, message });
    }
  }

  /** Records why reading or storing broke off; what was stored stays. */
  stop(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.errorCount += 1;
    this.trailer.push(
      `${this.name}: stopped after line ${this.line} (${message})`,
    );
  }

  messages(): string[] {
    const unlisted = this.errorCount - this.listed.length - this.trailer.length;
    const more =
      unlisted > 0 ? [`${this.name}: ${unlisted} more line errors`] : [];
    const none =
      this.read === 0 ? [`${this.name}: no audit event could be read`] : [];
    return [...this.listed, ...more, ...this.trailer, ...none];
  }
}
