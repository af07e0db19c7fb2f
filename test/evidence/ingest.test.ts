import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWindow } from '../../src/domain/index.js';
import {
  EvidenceStore,
  ingestPaths,
  type IngestSummary,
} from '../../src/evidence/index.js';
import type { LocalObjectStore } from '../../src/storage/index.js';
import {
  openEvidenceFixture,
  type EvidenceFixture,
} from '../support/evidence.js';
import { CORPUS_DIR, CORPUS_PRESENT } from '../support/corpus.js';
import { BACKENDS } from '../support/db.js';

const EVER = toWindow('1970-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
const NOW = new Date('2026-01-15T12:00:00Z');

// What the corpus holds, by the expectations of corpus.test.ts: 50
// documents, 11 files of 35 audit events, and 10 refused files, plus
// SOURCES.md, which describes the corpus and is refused as plain text.
const CORPUS_DOCUMENTS = 50;
const CORPUS_EVENT_FILES = 11;
const CORPUS_EVENTS = 35;
const CORPUS_REFUSED = 10 + 1;
// Files stored in part: lines that are not audit events are left out.
const CORPUS_PARTIAL = 1;

/** A builder for one Kubernetes audit event line. */
function k8sLine(n: number): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: `00000000-0000-0000-0000-00000000000${n}`,
    stage: 'ResponseComplete',
    verb: 'get',
    user: { username: 'alice' },
    requestReceivedTimestamp: `2026-01-0${n}T10:00:00.000000Z`,
  });
}

describe.each(BACKENDS)('ingestPaths on %s', (backend) => {
  let fixture: EvidenceFixture;
  let store: EvidenceStore;
  let objects: LocalObjectStore;
  let scratch: string;

  beforeAll(async () => {
    fixture = await openEvidenceFixture(backend, 'ingest');
    ({ store, objects, scratch } = fixture);
  });

  afterAll(() => fixture.dispose());

  /** A tenant of its own per scenario, so counts never mix. */
  async function tenantWith(id: string, files: Record<string, string>) {
    await store.saveTenant({ id, name: id, sample: false });
    const dir = path.join(scratch, id);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    return dir;
  }

  function ingest(tenantId: string, paths: string[]) {
    return ingestPaths({ tenantId, paths, store, objects, now: () => NOW });
  }

  describe('when the tenant does not exist', () => {
    it('throws DP_TENANT_UNKNOWN', async () => {
      await expect(ingest('nobody', [scratch])).rejects.toMatchObject({
        code: 'DP_TENANT_UNKNOWN',
      });
    });
  });

  describe.skipIf(!CORPUS_PRESENT)('when given the whole corpus', () => {
    let first: IngestSummary;
    let second: IngestSummary;

    beforeAll(async () => {
      await store.saveTenant({ id: 'corpus', name: 'Corpus', sample: false });
      first = await ingest('corpus', [CORPUS_DIR]);
      second = await ingest('corpus', [CORPUS_DIR]);
    });

    it('stores every recognised file', () => {
      expect(first.stored).toBe(CORPUS_DOCUMENTS + CORPUS_EVENT_FILES);
    });

    it('indexes every document', async () => {
      const counts = await store.countInWindow('corpus', EVER);
      const documents =
        counts.sboms +
        counts.attestations +
        counts.signatures +
        counts['policy-reports'];
      expect(documents).toBe(CORPUS_DOCUMENTS);
    });

    it('stores every audit event', async () => {
      const counts = await store.countInWindow('corpus', EVER);
      expect(counts['audit-events']).toBe(CORPUS_EVENTS);
    });

    it('fails each refused file with a reason naming it', () => {
      const failed = first.files.filter((f) => f.status === 'failed');
      expect(failed.map((f) => f.errors[0]?.split(':')[0])).toEqual(
        failed.map((f) => path.basename(f.path)),
      );
      expect(first.failed).toBe(CORPUS_REFUSED);
    });

    it('finds every file a duplicate the second time', () => {
      // The Cloud Logging export keeps its two entries that are not audit
      // events: it stays partial, with nothing new stored.
      expect(second).toMatchObject({
        stored: CORPUS_PARTIAL,
        duplicates: CORPUS_DOCUMENTS + CORPUS_EVENT_FILES - CORPUS_PARTIAL,
        failed: CORPUS_REFUSED,
      });
      const partial = second.files.filter((f) => f.status === 'partial');
      expect(partial.map((f) => [path.basename(f.path), f.items])).toEqual([
        ['gcp-cloud-audit-logs_plaso.jsonl', 0],
      ]);
    });
  });

  describe('when a JSON Lines file has a bad line 3', () => {
    let summary: IngestSummary;

    beforeAll(async () => {
      const lines = [
        k8sLine(1),
        k8sLine(2),
        '{"kind": "Event", oops',
        k8sLine(4),
      ];
      const dir = await tenantWith('lines', { 'k8s.jsonl': lines.join('\n') });
      summary = await ingest('lines', [dir]);
    });

    it('reports line 3 by file and line', () => {
      expect(summary.files[0]?.errors).toEqual([
        expect.stringMatching(/^k8s\.jsonl line 3: not JSON \(/),
      ]);
    });

    it('stores the good lines', () => {
      expect(summary.files[0]).toMatchObject({ status: 'partial', items: 3 });
    });
  });

  describe('when a folder holds one broken file', () => {
    let summary: IngestSummary;
    const seen: string[] = [];

    beforeAll(async () => {
      const dir = await tenantWith('folder', {
        'b/events.jsonl': k8sLine(5),
        'a-broken.json': '{"bomFormat": "CycloneDX", ',
        'c.spdx': 'SPDXVersion: SPDX-2.3\nCreated: 2026-01-01T00:00:00Z\n',
        '.hidden.json': k8sLine(6),
      });
      summary = await ingestPaths({
        tenantId: 'folder',
        paths: [dir],
        store,
        objects,
        now: () => NOW,
        onFile: (file) => seen.push(path.basename(file.path)),
      });
    });

    it('walks it in sorted order, skipping dotfiles', () => {
      expect(seen).toEqual(['a-broken.json', 'events.jsonl', 'c.spdx']);
    });

    it('still ingests the other files', () => {
      expect(summary).toMatchObject({ stored: 2, failed: 1 });
    });

    it('says why the broken file failed', () => {
      expect(summary.files[0]?.errors[0]).toMatch(
        /^a-broken\.json: not ingested: not valid JSON/,
      );
    });
  });

  describe('when a document states its own time', () => {
    it('files it under that time', async () => {
      const dir = await tenantWith('timed', {
        'bom.spdx': 'SPDXVersion: SPDX-2.3\nCreated: 2025-05-05T05:05:05Z\n',
      });
      await ingest('timed', [dir]);
      const [document] = await store.listDocuments('timed', 'sboms', EVER);
      expect(document).toMatchObject({
        eventTime: new Date('2025-05-05T05:05:05Z'),
        eventTimeSource: 'document',
      });
    });
  });

  describe('when a document states no time', () => {
    it('files it under the ingest time', async () => {
      const dir = await tenantWith('untimed', {
        'a.spdx': 'SPDXVersion: SPDX-2.3\n',
      });
      await ingest('untimed', [dir]);
      const [document] = await store.listDocuments('untimed', 'sboms', EVER);
      expect(document).toMatchObject({
        eventTime: NOW,
        eventTimeSource: 'ingest',
      });
    });
  });

  describe('when a document is stored', () => {
    it('keeps its bytes under its SHA-512', async () => {
      const text = 'SPDXVersion: SPDX-2.2\nCreated: 2025-01-01T00:00:00Z\n';
      const dir = await tenantWith('bytes', { 'x.spdx': text });
      await ingest('bytes', [dir]);
      const [document] = await store.listDocuments('bytes', 'sboms', EVER);
      expect(await objects.head(document?.location ?? '')).toEqual({
        key: `evidence/bytes/${document?.sha512}`,
        size: Buffer.byteLength(text),
      });
    });
  });

  describe('when a file holds a private key', () => {
    it('refuses it, saying private keys are never ingested', async () => {
      const dir = await tenantWith('keys', {
        'signing.key':
          '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n' +
          '-----END PRIVATE KEY-----\n',
      });
      const summary = await ingest('keys', [dir]);
      expect(summary.files[0]?.errors[0]).toMatch(
        /private keys are never ingested/,
      );
    });
  });

  describe('when a path does not exist', () => {
    it('fails that path with a clear message', async () => {
      await store.saveTenant({ id: 'missing', name: 'm', sample: false });
      const summary = await ingest('missing', [path.join(scratch, 'nope')]);
      expect(summary.files[0]?.errors).toEqual([
        'nope: no such file or folder',
      ]);
    });
  });

  describe('when a file is over 256 MiB', () => {
    it('refuses it without reading it', async () => {
      const dir = await tenantWith('huge', { 'big.jsonl': '' });
      await truncate(path.join(dir, 'big.jsonl'), 256 * 1024 * 1024 + 1);
      const summary = await ingest('huge', [dir]);
      expect(summary.files[0]?.errors[0]).toMatch(/limit is 256 MiB/);
    });
  });
});
