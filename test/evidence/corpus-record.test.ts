import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactTimeOf } from '../../src/domain/index.js';
import { detectEvidence, type Detection } from '../../src/evidence/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusFiles,
  corpusMissingIsFatal,
} from '../support/corpus.js';

corpusMissingIsFatal();

/**
 * The recorded result of every corpus file, checked exactly: documents
 * with all their metadata, warnings and the rule that chose their time;
 * audit files with every event's normalised fields and every line error;
 * refusals with their reason. A change in what detection says about any
 * corpus file fails here and is reviewed as a diff of this record.
 * `DP_RECORD_CORPUS=1` rewrites it (never in CI).
 */
const RECORD = path.join(import.meta.dirname, 'corpus.expected.json');

// E-mail addresses of the corpus (personal data published upstream) are
// recorded as a digest: still checked exactly, not copied here.
const EMAIL = /[\w.+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}/g;

function scrub(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(EMAIL, (email) => {
      const digest = createHash('sha256').update(email).digest('hex');
      return `<email ${digest.slice(0, 12)}>`;
    });
  }
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, scrub(v)]),
    );
  }
  return value;
}

/** What is recorded of one detection. */
function recordOf(detection: Detection): unknown {
  switch (detection.type) {
    case 'document':
      return scrub({
        type: 'document',
        kind: detection.kind,
        format: detection.format,
        specVersion: detection.specVersion,
        mediaType: detection.mediaType,
        eventTime: detection.eventTime && exactTimeOf(detection.eventTime),
        eventTimeRule: detection.eventTimeRule,
        metadata: JSON.parse(JSON.stringify(detection.metadata)) as unknown,
        warnings: detection.warnings,
      });
    case 'audit-events':
      return scrub({
        type: 'audit-events',
        format: detection.format,
        events: detection.events.map((e) => ({
          time: exactTimeOf(e.eventTime),
          id: e.id,
          actor: e.actor,
          action: e.action,
          resource: e.resource,
          outcome: e.outcome,
          originalBytes: Buffer.byteLength(e.original),
        })),
        errors: detection.errors,
        warnings: detection.warnings,
      });
    case 'unrecognised':
      return { type: 'unrecognised', reason: detection.reason };
  }
}

describe.skipIf(!CORPUS_PRESENT)(
  'the recorded result of each corpus file',
  () => {
    const files = CORPUS_PRESENT ? corpusFiles() : [];
    const actual = Object.fromEntries(
      files.map((file) => {
        const bytes = readFileSync(path.join(CORPUS_DIR, file));
        return [file, recordOf(detectEvidence(path.basename(file), bytes))];
      }),
    );
    if (process.env.DP_RECORD_CORPUS === '1' && !process.env.CI) {
      writeFileSync(RECORD, `${JSON.stringify(actual, null, 2)}\n`);
    }
    const recorded = JSON.parse(readFileSync(RECORD, 'utf8')) as Record<
      string,
      unknown
    >;

    it('records exactly the files the corpus holds', () => {
      expect(Object.keys(recorded)).toEqual(files);
    });

    it('recognises or refuses every file with a reason', () => {
      for (const [file, result] of Object.entries(actual)) {
        const { type, reason } = result as { type: string; reason?: string };
        if (type === 'unrecognised') expect(reason, file).toMatch(/\w{4}/);
      }
    });

    it.each(files)('%s gives its recorded result', (file) => {
      expect(actual[file]).toEqual(recorded[file]);
    });
  },
);
