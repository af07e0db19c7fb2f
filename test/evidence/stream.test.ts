import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWindow, type AuditEvent } from '../../src/domain/index.js';
import {
  EvidenceStore,
  detectEvidence,
  ingestPaths,
  type IngestOptions,
  type ParsedAuditEvent,
} from '../../src/evidence/index.js';
import type { LocalObjectStore } from '../../src/storage/index.js';
import {
  openEvidenceFixture,
  type EvidenceFixture,
} from '../support/evidence.js';
import { BACKENDS } from '../support/db.js';

const EVER = toWindow('1970-01-01T00:00:00Z', '2100-01-01T00:00:00Z');

/** One Kubernetes audit event line; `extra` overrides any field. */
function k8s(n: number, extra: Record<string, unknown> = {}): string {
  const time = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: `audit-${n}`,
    stage: 'ResponseComplete',
    verb: 'get',
    user: { username: 'alice' },
    objectRef: { resource: 'pods', namespace: 'default', name: `web-${n}` },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: time,
    ...extra,
  });
}

/**
 * A file that exercises every rule of the line reader: a BOM, CRLF ends,
 * blank and whitespace lines, bad JSON, a JSON array, a record of another
 * format, an event with no time, a repeated event, a BOM and invalid UTF-8
 * inside records, and no newline at the end.
 */
function awkwardFile(): Buffer {
  const cloudTrail = JSON.stringify({
    eventVersion: '1.08',
    eventSource: 's3.amazonaws.com',
    eventTime: '2026-01-02T00:00:00Z',
  });
  const parts = [
    `\uFEFF${k8s(1)}\r\n`,
    `${k8s(2)}\n\n   \n`,
    '{"kind": "Event", oops\n',
    '[1, 2]\r\n',
    `${cloudTrail}\n`,
    `${k8s(3, { requestReceivedTimestamp: 'yesterday' })}\n`,
    `${k8s(4, { verb: 'list \uFEFF' })}\n`,
    `${k8s(2)}\n`,
  ];
  const invalid = Buffer.from(k8s(5, { verb: 'XX' }));
  invalid.write('\xff\xfe', invalid.indexOf('XX'), 'latin1');
  return Buffer.concat([
    ...parts.map((p) => Buffer.from(p)),
    invalid,
    Buffer.from(`\n${k8s(6)}`),
  ]);
}

/** The fields that must match, once per id, in the store's order. */
function comparable(events: readonly ParsedAuditEvent[]) {
  const firsts = events.filter(
    (e, i) => events.findIndex((o) => o.id === e.id) === i,
  );
  return firsts
    .map((e) => ({
      eventTime: e.eventTime.toISOString(),
      id: e.id,
      actor: e.actor,
      action: e.action,
      resource: e.resource,
      outcome: e.outcome,
      original: e.original,
    }))
    .sort((a, b) =>
      a.eventTime === b.eventTime
        ? a.id.localeCompare(b.id)
        : a.eventTime.localeCompare(b.eventTime),
    );
}

/** Writes many lines through a stream, so a big file never sits in memory. */
async function writeLines(
  file: string,
  count: number,
  line: (n: number) => string,
): Promise<void> {
  const out = createWriteStream(file);
  for (let n = 0; n < count; n += 1) {
    if (!out.write(`${line(n)}\n`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

describe.each(BACKENDS)('streamed ingest of JSON Lines on %s', (backend) => {
  let fixture: EvidenceFixture;
  let store: EvidenceStore;
  let objects: LocalObjectStore;
  let scratch: string;

  beforeAll(async () => {
    fixture = await openEvidenceFixture(backend, 'stream');
    ({ store, objects, scratch } = fixture);
  });

  afterAll(() => fixture.dispose());

  /** A tenant of its own with one file; returns the file's path. */
  async function tenantWith(id: string, name: string, bytes?: Buffer) {
    await store.saveTenant({ id, name: id, sample: false });
    const dir = path.join(scratch, id);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, name);
    if (bytes) await writeFile(file, bytes);
    return file;
  }

  function ingest(
    tenantId: string,
    file: string,
    limits: Pick<IngestOptions, 'maxFileBytes' | 'maxLineBytes'> = {},
  ) {
    return ingestPaths({ tenantId, paths: [file], store, objects, ...limits });
  }

  async function storedEvents(tenantId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for await (const e of store.streamAuditEvents(tenantId, EVER)) {
      events.push(e);
    }
    return events;
  }

  describe('when a file has awkward lines and is over the whole-file limit', () => {
    const bytes = awkwardFile();
    const whole = detectEvidence('awkward.jsonl', bytes);
    let file: string;

    beforeAll(async () => {
      file = await tenantWith('awkward', 'awkward.jsonl', bytes);
    });

    it('is streamed rather than refused', async () => {
      const summary = await ingest('awkward', file, { maxFileBytes: 100 });
      expect(summary.files[0]).toMatchObject({
        status: 'partial',
        kind: 'audit-events',
        format: 'kubernetes-audit',
        // Line 11 is not UTF-8: decoded, it would not be the original.
        items: 4,
        warnings: [],
      });
    });

    it('stores the same events as whole-file detection reads', async () => {
      if (whole.type !== 'audit-events') throw new Error(whole.type);
      const stored = await storedEvents('awkward');
      expect(comparable(stored)).toEqual(comparable(whole.events));
      expect(stored.every((e) => e.sourceName === 'awkward.jsonl')).toBe(true);
    });

    it('reports the same line errors, with their line numbers', async () => {
      if (whole.type !== 'audit-events') throw new Error(whole.type);
      const summary = await ingest('awkward', file, { maxFileBytes: 100 });
      expect(summary.files[0]?.errors).toEqual(
        whole.errors.map((e) => `awkward.jsonl line ${e.line}: ${e.message}`),
      );
      expect(whole.errors.map((e) => e.line)).toEqual([5, 6, 7, 8, 11]);
      expect(whole.errors.at(-1)?.message).toBe('not valid UTF-8');
    });
  });

  describe('when CloudTrail records come one per line', () => {
    it('stores the same events as whole-file detection reads', async () => {
      const record = (n: number, id?: string) =>
        JSON.stringify({
          eventVersion: '1.08',
          eventSource: 'iam.amazonaws.com',
          eventName: 'CreateUser',
          eventTime: `2026-02-0${n}T00:00:00Z`,
          userIdentity: { arn: 'arn:aws:iam::1:user/bob' },
          ...(id ? { eventID: id } : {}),
        });
      const bytes = Buffer.from([record(1, 'e-1'), record(2)].join('\r\n'));
      const file = await tenantWith('trail', 'trail.jsonl', bytes);
      const summary = await ingest('trail', file, { maxFileBytes: 10 });
      const whole = detectEvidence('trail.jsonl', bytes);
      if (whole.type !== 'audit-events') throw new Error(whole.type);
      expect(summary.files[0]).toMatchObject({
        status: 'stored',
        format: 'cloudtrail',
        items: 2,
      });
      expect(comparable(await storedEvents('trail'))).toEqual(
        comparable(whole.events),
      );
    });
  });

  describe('when a file is read a second time', () => {
    it('finds all of it a duplicate', async () => {
      const lines = [k8s(1), k8s(2), k8s(3)].join('\n');
      const file = await tenantWith('again', 'a.jsonl', Buffer.from(lines));
      expect((await ingest('again', file)).files[0]).toMatchObject({
        status: 'stored',
        items: 3,
      });
      expect((await ingest('again', file)).files[0]).toMatchObject({
        status: 'duplicate',
        items: 0,
        errors: [],
      });
    });
  });

  describe('when a file holds more events than one batch', () => {
    it('stores every one of them', async () => {
      const file = await tenantWith('many', 'many.jsonl');
      await writeLines(file, 2500, (n) => k8s(n));
      const summary = await ingest('many', file, { maxFileBytes: 1024 });
      expect(summary.files[0]).toMatchObject({ status: 'stored', items: 2500 });
      expect((await storedEvents('many')).length).toBe(2500);
    });
  });

  describe('when a line is longer than the line limit', () => {
    it('reports it and stores the others', async () => {
      const long = k8s(2, { verb: 'x'.repeat(500) });
      const text = [k8s(1), long, k8s(3)].join('\n');
      const file = await tenantWith('long', 'long.jsonl', Buffer.from(text));
      const summary = await ingest('long', file, { maxLineBytes: 400 });
      expect(summary.files[0]).toMatchObject({
        status: 'partial',
        items: 2,
        errors: ['long.jsonl line 2: longer than 400 bytes'],
      });
    });

    it('names the default limit of 16 MiB', async () => {
      const file = await tenantWith('huge-line', 'big.jsonl');
      const out = createWriteStream(file);
      out.write(`${k8s(1)}\n{"pad": "`);
      const mib = Buffer.alloc(1024 * 1024, 'y');
      for (let i = 0; i < 17; i += 1) out.write(mib);
      await new Promise<void>((resolve) =>
        out.end(`"}\n${k8s(3)}\n`, () => resolve()),
      );
      const summary = await ingest('huge-line', file);
      expect(summary.files[0]).toMatchObject({
        status: 'partial',
        items: 2,
        errors: ['big.jsonl line 2: longer than 16 MiB'],
      });
    });
  });

  describe('when a file has more bad lines than are listed', () => {
    it('lists the first 100 and counts the rest', async () => {
      const file = await tenantWith('noisy', 'noisy.jsonl');
      await writeLines(file, 151, (n) => (n === 0 ? k8s(0) : 'garbage'));
      const summary = await ingest('noisy', file);
      const errors = summary.files[0]?.errors ?? [];
      expect(summary.files[0]).toMatchObject({ status: 'partial', items: 1 });
      expect(errors).toHaveLength(101);
      expect(errors[0]).toMatch(/^noisy\.jsonl line 2: not JSON \(/);
      expect(errors[99]).toMatch(/^noisy\.jsonl line 101: /);
      expect(errors[100]).toBe('noisy.jsonl: 50 more line errors');
    });
  });

  describe('when a line holds a private key', () => {
    it('refuses the whole file and stores nothing', async () => {
      const key = '-----BEGIN EC PRIVATE KEY-----\\nMHcC\\n';
      const text = [k8s(1), k8s(2, { verb: key }), k8s(3)].join('\n');
      const file = await tenantWith('key', 'key.jsonl', Buffer.from(text));
      const summary = await ingest('key', file);
      expect(summary.files[0]).toMatchObject({ status: 'failed', items: 0 });
      expect(summary.files[0]?.errors).toEqual([
        expect.stringMatching(/^key\.jsonl: not ingested: a private key/),
      ]);
      expect(await storedEvents('key')).toEqual([]);
    });
  });

  describe('when a file is one audit event with a trailing newline', () => {
    it('reads it whole, keeping the whole file as the original', async () => {
      const text = `${k8s(1)}\n`;
      const file = await tenantWith('single', 'one.json', Buffer.from(text));
      await ingest('single', file);
      const [event] = await storedEvents('single');
      expect(event?.original).toBe(await readFile(file, 'utf8'));
    });
  });

  describe('when a document is over the whole-file limit', () => {
    it('is still refused', async () => {
      const text = 'SPDXVersion: SPDX-2.3\nCreated: 2026-01-01T00:00:00Z\n';
      const file = await tenantWith('doc', 'bom.spdx', Buffer.from(text));
      const summary = await ingest('doc', file, { maxFileBytes: 10 });
      expect(summary.files[0]?.errors[0]).toMatch(/limit is 10 bytes/);
    });
  });
});
