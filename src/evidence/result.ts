import path from 'node:path';
import type { ArtifactKind, AuditEvent } from '../domain/index.js';
import type { LineError, ParsedAuditEvent } from './formats/shared.js';

/** What became of one file. */
export interface IngestFileResult {
  path: string;
  /**
   * stored: something new was stored; duplicate: all of it was known;
   * partial: stored, but some records could not be read; failed: nothing
   * stored.
   */
  status: 'stored' | 'duplicate' | 'partial' | 'failed';
  kind?: ArtifactKind;
  format?: string;
  /** Audit events newly stored, or 1 for a newly stored document. */
  items: number;
  /** Audit events read from the file, new or already stored. */
  read?: number;
  /** The document's id: the new one, or the stored one for a duplicate. */
  id?: string;
  /** The lines that could not be read, by number (the first ones). */
  lineErrors?: LineError[];
  /** Messages naming the file, and the line for JSON Lines. */
  errors: string[];
  /** What validation noticed and left as it was. */
  warnings?: string[];
}

/** A file of which nothing was stored, and why. */
export function failed(file: string, message: string): IngestFileResult {
  const name = path.basename(file);
  return {
    path: file,
    status: 'failed',
    items: 0,
    errors: [`${name}: ${message}`],
  };
}

/** The status of an audit file from its counts of events and errors. */
export function eventStatus(
  read: number,
  inserted: number,
  errors: number,
): IngestFileResult['status'] {
  if (read === 0) return 'failed';
  if (errors > 0) return 'partial';
  return inserted > 0 ? 'stored' : 'duplicate';
}

/** An event as read, joined to its tenant and the file it came from. */
export function toAuditEvent(
  event: ParsedAuditEvent,
  source: { tenantId: string; format: string; name: string },
): AuditEvent {
  return {
    ...event,
    tenantId: source.tenantId,
    sourceFormat: source.format,
    sourceName: source.name,
  };
}

/**
 * The warning for events whose id was already stored with other content:
 * the stored record is kept (evidence is never overwritten), and the
 * operator must hear of it, since one of the two is not the original.
 */
export function conflictWarning(
  name: string,
  ids: readonly string[],
): string[] {
  if (ids.length === 0) return [];
  const shown = ids.slice(0, 3).join(', ');
  const more = ids.length > 3 ? ` and ${ids.length - 3} more` : '';
  return [
    `${name}: ${ids.length} event(s) have the id of a stored event but ` +
      `different content; the stored ones were kept (${shown}${more})`,
  ];
}
