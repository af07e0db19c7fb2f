import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWindow } from '../../src/domain/index.js';
import {
  detectEvidence,
  ingestPaths,
  type EvidenceStore,
  type IngestFileResult,
} from '../../src/evidence/index.js';
import type { LocalObjectStore } from '../../src/storage/index.js';
import { Metrics } from '../../src/telemetry/index.js';
import { aKubernetesEventLine } from '../support/builders.js';
import { BACKENDS, dropSchemas, uniqueSchema } from '../support/db.js';
import {
  openEvidenceFixture,
  type EvidenceFixture,
} from '../support/evidence.js';
import { readZipEntries } from '../support/zip.js';

const EVER = toWindow('1970-01-01T00:00:00Z', '2100-01-01T00:00:00Z');

const event = (n: number) =>
  aKubernetesEventLine({
    auditID: `ev-${n}`,
    requestReceivedTimestamp: `2026-01-0${n}T00:00:00Z`,
  });

/**
 * JSON Lines with one of each kind of damage, CRLF line ends throughout:
 * good records on lines 1, 3, 6 and 8; line 2 cut short; line 4 holds a
 * NUL byte; line 5 is `null`; line 7 is blank; line 9 has a byte that is
 * not UTF-8; the file ends without a newline.
 */
function damagedLog(): Buffer {
  const bad = Buffer.from(event(9));
  bad[bad.indexOf('ev-9') + 2] = 0xff;
  return Buffer.concat([
    Buffer.from(
      [
        event(1),
        event(2).slice(0, 40),
        event(3),
        event(4).replace('ev-4', 'ev\u00004'),
        'null',
        event(6),
        '',
        event(8),
        '',
      ].join('\r\n'),
    ),
    bad,
  ]);
}

const EXPECTED_ERRORS = [2, 4, 5, 9] as const;

describe('a damaged JSON Lines audit log, read whole', () => {
  const detection = detectEvidence('damaged.jsonl', damagedLog());
  if (detection.type !== 'audit-events') throw new Error(detection.type);

  it('yields every good record, byte for byte without its CR', () => {
    expect(detection.events.map((e) => e.original)).toEqual(
      [1, 3, 6, 8].map(event),
    );
  });

  it('says what is wrong with each bad line, by its number', () => {
    expect(detection.errors.map((e) => e.line)).toEqual(EXPECTED_ERRORS);
    expect(detection.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^not JSON \(/),
      expect.stringMatching(/^not JSON \(.*control character/i),
      'not a JSON object',
      'not valid UTF-8',
    ]);
  });
});

describe.each(BACKENDS)(
  'damaged and marked files ingested on %s',
  (backend) => {
    let fixture: EvidenceFixture;
    let store: EvidenceStore;
    let objects: LocalObjectStore;

    beforeAll(async () => {
      fixture = await openEvidenceFixture(backend, 'robust');
      ({ store, objects } = fixture);
      await store.saveTenant({ id: 'robust', name: 'Robust', sample: false });
    });
    afterAll(() => fixture.dispose());

    const metrics = new Metrics({ defaults: false });

    async function ingestOne(name: string, bytes: Buffer) {
      const file = path.join(fixture.scratch, name);
      await writeFile(file, bytes);
      const summary = await ingestPaths({
        tenantId: 'robust',
        paths: [file],
        store,
        objects,
        metrics,
      });
      return summary.files[0] as IngestFileResult;
    }

    it('streams the damaged log: good events stored, one error per bad line', async () => {
      const result = await ingestOne('damaged.jsonl', damagedLog());
      expect(result).toMatchObject({ status: 'partial', items: 4 });
      expect(result.errors.map((e) => /line (\d+):/.exec(e)?.[1])).toEqual(
        EXPECTED_ERRORS.map(String),
      );
      const ids: string[] = [];
      for await (const e of store.streamAuditEvents('robust', EVER)) {
        ids.push(e.id);
      }
      expect(ids).toEqual([1, 3, 6, 8].map((n) => `ev-${n}/ResponseComplete`));
    });

    it('counts the file and its line errors in the metrics', async () => {
      const text = await metrics.registry.metrics();
      expect(text).toContain(
        'dp_evidence_files_total{kind="audit-events",format="kubernetes-audit",status="partial"} 1',
      );
      expect(text).toContain(
        'dp_evidence_problems_total{format="kubernetes-audit",problem="line-error"} 4',
      );
    });

    it('reads a document that starts with a UTF-8 byte order mark, and keeps the mark', async () => {
      const bom = Buffer.from(
        '\uFEFF{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}',
      );
      const result = await ingestOne('marked.cdx.json', bom);
      expect(result).toMatchObject({
        status: 'stored',
        kind: 'sboms',
        format: 'cyclonedx-json',
      });
      const [doc] = await store.listDocuments('robust', 'sboms', EVER);
      expect(doc?.sha512).toBe(createHash('sha512').update(bom).digest('hex'));
    });

    it('keeps every record of a log whose line holds an escaped NUL or a lone surrogate', async () => {
      const odd = aKubernetesEventLine({
        auditID: 'nul-2',
        requestReceivedTimestamp: '2026-01-05T00:00:00Z',
        requestURI: '/api\u0000v1\ud800',
      });
      expect(odd).toContain('/api\\u0000v1\\ud800');
      const log = [event(1), odd, event(3)]
        .join('\n')
        .replace(/ev-(\d)/g, 'nul-$1');
      const result = await ingestOne('nul.jsonl', Buffer.from(log));
      expect(result).toMatchObject({ status: 'stored', items: 3 });
      const stored = [];
      for await (const e of store.streamAuditEvents('robust', EVER)) {
        if (e.sourceName === 'nul.jsonl') stored.push(e);
      }
      expect(stored).toHaveLength(3);
      const kept = stored.find((e) => e.id.startsWith('nul-2'));
      expect(kept?.resource).toContain('/api\uFFFDv1\uFFFD');
      expect(kept?.original).toBe(odd);
    });

    it('stores a document whose facts hold a NUL or a lone surrogate, and says so', async () => {
      const bom = Buffer.from(
        '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,' +
          '"metadata":{"component":{"name":"nul\\u0000app",' +
          '"version":"s\\ud800"}},"components":[]}',
      );
      const result = await ingestOne('nul.cdx.json', bom);
      expect(result.status).toBe('stored');
      expect(result.warnings?.join()).toMatch(
        /NUL characters or lone surrogates/,
      );
      const docs = await store.listDocuments('robust', 'sboms', EVER);
      const doc = docs.find((d) => d.fileName === 'nul.cdx.json');
      expect(doc?.metadata.primaryComponent).toEqual({
        name: 'nul\uFFFDapp',
        version: 's\uFFFD',
      });
      expect(doc?.sha512).toBe(createHash('sha512').update(bom).digest('hex'));
    });
  },
);

// ~50 MB: big enough that holding it twice over would show in the figures.
const SBOM_BYTES = 50 * 1024 * 1024;

/** Writes a CycloneDX 1.6 BOM of about `bytes`, a component at a time. */
async function writeLargeBom(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  let size = 0;
  const write = (text: string) => {
    size += Buffer.byteLength(text);
    return out.write(text);
  };
  write(
    '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,' +
      '"metadata":{"timestamp":"2026-01-10T00:00:00Z"},"components":[',
  );
  let n = 0;
  while (size < bytes - 2) {
    // About the size of a component in a real npm SBOM: licence, hashes,
    // references and properties included.
    const component = {
      type: 'library',
      'bom-ref': `pkg:npm/p${n}@1.0.${n}`,
      name: `p${n}`,
      version: `1.0.${n}`,
      description: `Package ${n}, one of many in a large SBOM.`,
      purl: `pkg:npm/p${n}@1.0.${n}`,
      licenses: [{ license: { id: 'MIT' } }],
      hashes: [
        { alg: 'SHA-512', content: n.toString(16).padStart(128, '0') },
        { alg: 'SHA-256', content: n.toString(16).padStart(64, '0') },
      ],
      externalReferences: [
        {
          type: 'distribution',
          url: `https://registry.npmjs.org/p${n}/-/p${n}-1.0.${n}.tgz`,
        },
      ],
      properties: [
        { name: 'cdx:npm:package:path', value: `node_modules/p${n}` },
      ],
    };
    if (!write(`${n > 0 ? ',' : ''}${JSON.stringify(component)}`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    n += 1;
  }
  write(']}');
  out.end();
  await finished(out);
  return n;
}

interface Timed {
  status: number | null;
  stdout: string;
  /** Peak resident set size of the child, as GNU time reports it. */
  peakMiB: number;
}

/** Runs a CLI verb in a child process under GNU time. */
function spawnTimed(args: string[], env: NodeJS.ProcessEnv): Timed {
  const child = spawnSync(
    TIME,
    [
      '-f',
      'peak-rss-kb=%M',
      process.execPath,
      '--import',
      'tsx',
      'test/support/cli-entry.ts',
      ...args,
    ],
    { env, encoding: 'utf8' },
  );
  const kb = Number(/peak-rss-kb=(\d+)/.exec(child.stderr)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(child.stderr);
  return {
    status: child.status,
    stdout: child.stdout,
    peakMiB: Math.round(kb / 1024),
  };
}

const TIME = '/usr/bin/time';

describe.skipIf(!process.env.DATABASE_URL || !existsSync(TIME))(
  'a 50 MB SBOM, ingested and exported in child processes',
  () => {
    let work: string;
    let bom: string;
    const schema = uniqueSchema('bigsbom');
    const figures: Record<string, number> = {};

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'dp-bigsbom-'));
      bom = path.join(work, 'large.cdx.json');
      await writeLargeBom(bom, SBOM_BYTES);
    });
    afterAll(async () => {
      await rm(work, { recursive: true, force: true });
      await dropSchemas(schema);
      console.info(`50 MB SBOM peak RSS (MiB): ${JSON.stringify(figures)}`);
    });

    function run(name: string, ...args: string[]) {
      const env = {
        ...process.env,
        DP_DATA_DIR: path.join(work, 'data'),
        DP_DATABASE_SCHEMA: schema,
      };
      const child = spawnTimed(args, env);
      figures[name] = child.peakMiB;
      return child;
    }

    it('ingests it as one SBOM without holding it', async () => {
      run('setup', 'tenants', 'add', 'big', '--name', 'Big');
      const small = path.join(work, 'small.cdx.json');
      await writeLargeBom(small, 64 * 1024);
      const baseline = run('ingest-small', 'ingest', '--tenant', 'big', small);
      expect(baseline.status).toBe(0);
      const ingest = run('ingest', 'ingest', '--tenant', 'big', bom);
      expect(ingest.stdout).toContain('(sboms / cyclonedx-json, 1 item)');
      // Read from its outline (src/evidence/outline.ts): what grows is the
      // bom-ref graph, about a tenth of a KiB per component, and the
      // runtime's working space. Read whole, the file, its text and its
      // parse tree were held together: about 3.7 times its size.
      expect(ingest.peakMiB - baseline.peakMiB).toBeLessThan(
        1.5 * (SBOM_BYTES / 1024 / 1024),
      );
    }, 180_000);

    it('exports it byte for byte with memory that does not grow with it', async () => {
      const zip = path.join(work, 'big.zip');
      const baseline = run(
        'export-empty',
        'export', '--tenant', 'big', '--out', path.join(work, 'empty.zip'),
        '--from', '2030-01-01T00:00:00Z', '--to', '2030-02-01T00:00:00Z',
        '--no-progress',
      ); // prettier-ignore
      const exported = run(
        'export',
        'export', '--tenant', 'big', '--out', zip,
        '--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z',
        '--no-progress',
      ); // prettier-ignore
      expect(exported.status).toBe(0);
      // Streamed from the object store through the ZIP: a few buffers.
      expect(exported.peakMiB - baseline.peakMiB).toBeLessThan(64);
      const entries = await readZipEntries(zip);
      const original = await readFile(bom);
      const entry = [...entries].find(
        ([name]) => name.startsWith('sboms/') && name.includes('large'),
      );
      expect(entry?.[1].equals(original)).toBe(true);
    }, 180_000);
  },
);
