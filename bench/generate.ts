import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Synthetic Kubernetes audit JSON Lines on disk, split into files. */
export interface Dataset {
  dir: string;
  files: string[];
  events: number;
  bytes: number;
  /** The half-open window [from, to) every event falls in, RFC 3339. */
  from: string;
  to: string;
}

// One fixed month, so the same size always gives the same bytes.
const WINDOW_FROM = Date.parse('2025-01-01T00:00:00Z');
const WINDOW_TO = Date.parse('2025-02-01T00:00:00Z');
// Events stop a minute early so no stageTimestamp crosses the window's end.
const SPAN_US = (WINDOW_TO - WINDOW_FROM - 60_000) * 1000;
const EVENTS_PER_FILE = 100_000;
const LINES_PER_CHUNK = 1_000;

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
// Core-group resources only, so every requestURI is /api/v1/….
const RESOURCES = ['pods', 'configmaps', 'secrets', 'services', 'endpoints'];
const APPS = ['web', 'api', 'db', 'cache', 'worker'];
const USERS = [
  'alice@example.com',
  'bob@example.com',
  'carol@example.com',
  'system:serviceaccount:ci:deployer',
  'system:serviceaccount:ops:backup',
];
const CODES = [200, 200, 200, 200, 201, 403, 404, 409];

/**
 * Writes `events` audit events into `dir`, streaming, in time order over one
 * month. Lines average about 500 bytes; the content depends only on `events`.
 */
export async function writeAuditDataset(
  dir: string,
  events: number,
): Promise<Dataset> {
  const files: string[] = [];
  let bytes = 0;
  for (let first = 0; first < events; first += EVENTS_PER_FILE) {
    const last = Math.min(first + EVENTS_PER_FILE, events);
    const name = `audit-${String(files.length).padStart(4, '0')}.jsonl`;
    const file = join(dir, name);
    const chunks = Readable.from(toChunks(first, last, events));
    await pipeline(chunks, createWriteStream(file));
    files.push(file);
    bytes += (await stat(file)).size;
  }
  return {
    dir,
    files,
    events,
    bytes,
    from: new Date(WINDOW_FROM).toISOString(),
    to: new Date(WINDOW_TO).toISOString(),
  };
}

/** Events [first, last) of `total`, a thousand lines to a chunk. */
function* toChunks(first: number, last: number, total: number) {
  const stepUs = SPAN_US / total;
  const random = xorshift(first + 1);
  for (let start = first; start < last; start += LINES_PER_CHUNK) {
    let chunk = '';
    const end = Math.min(start + LINES_PER_CHUNK, last);
    for (let i = start; i < end; i += 1) {
      // Jitter inside the event's own step keeps the file in time order.
      const us = WINDOW_FROM * 1000 + Math.floor(i * stepUs);
      chunk += toAuditLine(i, us + (random() % Math.floor(stepUs)), random);
    }
    yield chunk;
  }
}

/** One audit.k8s.io/v1 Event as a JSON line. */
export function toAuditLine(
  index: number,
  receivedUs: number,
  random: () => number,
): string {
  const verb = pick(VERBS, random);
  const resource = pick(RESOURCES, random);
  const namespace = `ns-${String(random() % 50).padStart(2, '0')}`;
  const name = `${pick(APPS, random)}-${(random() % 100_000).toString(36)}`;
  const event = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: toAuditId(index),
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${namespace}/${resource}/${name}`,
    verb,
    user: { username: pick(USERS, random) },
    sourceIPs: [`192.0.2.${(random() % 254) + 1}`],
    objectRef: { resource, namespace, name },
    responseStatus: { code: pick(CODES, random) },
    requestReceivedTimestamp: toMicros(receivedUs),
    stageTimestamp: toMicros(receivedUs + 1_000 + (random() % 50_000)),
  };
  return `${JSON.stringify(event)}\n`;
}

/** A UUID-shaped id from the event's index: unique, and cheap to make. */
function toAuditId(index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `00000000-0000-8000-8000-${hex}`;
}

function toMicros(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
}

function pick<T>(list: readonly T[], random: () => number): T {
  return list[random() % list.length] as T;
}

/** Marsaglia's xorshift32: fast, repeatable, and good enough for test data. */
export function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}
