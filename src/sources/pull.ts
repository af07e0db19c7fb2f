import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditEvent, TimeWindow } from '../domain/index.js';
import type { EvidenceSource, SourceDocument } from './source.js';

/** A document pulled to disk: its facts, and the file holding its bytes. */
export type PulledDocument = Omit<SourceDocument, 'open'> & { file: string };

/** What one source held for a kind, read completely to disk. */
export interface Pulled {
  source: string;
  count: number;
  /** Audit events, one JSON object a line, in the source's order. */
  eventsFile: string | null;
  documents: PulledDocument[];
}

/**
 * Reads all of one source's evidence of a kind into `dir` before any of
 * it goes into a bundle, so that a source failing on its last page
 * leaves the kind omitted rather than half-written. Pages are pulled one
 * at a time and each write waits for the disk, so memory holds about one
 * page whatever the source's size.
 */
export async function pullSource(
  source: EvidenceSource,
  tenantId: string,
  window: TimeWindow,
  dir: string,
): Promise<Pulled> {
  const pulled: Pulled = {
    source: source.name,
    count: 0,
    eventsFile: null,
    documents: [],
  };
  if (source.kind === 'audit-events') {
    const file = path.join(dir, `${source.name}.events.jsonl`);
    pulled.eventsFile = file;
    pulled.count = await writeEvents(source.events(tenantId, window), file);
    return pulled;
  }
  for await (const { open, ...facts } of source.documents(tenantId, window)) {
    const file = path.join(dir, `${source.name}.${pulled.count}.bin`);
    await pipeline(await open(), createWriteStream(file, { mode: 0o600 }));
    pulled.documents.push({ ...facts, file });
    pulled.count += 1;
  }
  return pulled;
}

async function writeEvents(
  events: AsyncIterable<AuditEvent>,
  file: string,
): Promise<number> {
  const out = createWriteStream(file, { mode: 0o600 });
  let count = 0;
  try {
    for await (const event of events) {
      await write(out, JSON.stringify(event) + '\n');
      count += 1;
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  return count;
}

function write(out: Writable, text: string): Promise<void> {
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve) => out.once('drain', resolve));
}

/** The events of a pull, read back one line at a time. */
export async function* readPulledEvents(
  file: string,
): AsyncGenerator<AuditEvent> {
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (line === '') continue;
    const event = JSON.parse(line) as AuditEvent & { eventTime: string };
    yield { ...event, eventTime: new Date(event.eventTime) };
  }
}
