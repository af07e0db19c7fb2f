import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWindow } from '../../src/domain/index.js';
import { detectOutlined, readLargeDocument } from '../../src/evidence/large.js';
import {
  detectEvidence,
  ingestFile,
  type Detection,
} from '../../src/evidence/index.js';
import {
  OUTLINED_FORMATS,
  outlineJsonFile,
} from '../../src/evidence/outline.js';
import type { ObjectStore } from '../../src/storage/index.js';
import { Metrics } from '../../src/telemetry/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusFiles,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import { BACKENDS } from '../support/db.js';
import {
  openEvidenceFixture,
  type EvidenceFixture,
} from '../support/evidence.js';

corpusMissingIsFatal();

const EVER = toWindow('1970-01-01T00:00:00Z', '2100-01-01T00:00:00Z');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'dp-outline-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** What reading a file from its outline concludes, or null if it declines. */
async function viaOutline(file: string): Promise<Detection | null> {
  const outline = await outlineJsonFile(file);
  return outline ? detectOutlined(outline.value) : null;
}

async function written(name: string, content: string | Buffer) {
  const file = path.join(scratch, name);
  await writeFile(file, content);
  return file;
}

// Every format a large file of which is read as a stream.
const STREAMED = new Set([
  ...OUTLINED_FORMATS,
  'cyclonedx-xml',
  'spdx-tag-value',
]);

describe.skipIf(!CORPUS_PRESENT)('each corpus file, read as a stream', () => {
  const files = CORPUS_PRESENT ? corpusFiles() : [];
  const whole = new Map(
    files.map((file) => {
      const full = path.join(CORPUS_DIR, file);
      return [file, detectEvidence(file, readFileSync(full))] as const;
    }),
  );
  const streamed = files.filter((file) => {
    const detection = whole.get(file);
    return detection?.type === 'document' && STREAMED.has(detection.format);
  });

  it('covers SBOMs and scan reports of every streamed format', () => {
    const formats = new Set(
      streamed.map((f) => (whole.get(f) as { format: string }).format),
    );
    expect([...formats].sort()).toEqual([...STREAMED].sort());
  });

  it.each(streamed)('%s reads the same as a stream', async (file) => {
    const full = path.join(CORPUS_DIR, file);
    const large = await readLargeDocument(full);
    expect(large?.detection).toEqual(whole.get(file));
    const bytes = readFileSync(full);
    expect(large?.digest).toEqual({
      sha512: createHash('sha512').update(bytes).digest('hex'),
      size: bytes.length,
    });
  });

  it('declines every other file, so that it is read whole', async () => {
    const others = files.filter((file) => !streamed.includes(file));
    const claimed: string[] = [];
    for (const file of others) {
      const large = await readLargeDocument(path.join(CORPUS_DIR, file));
      if (large) claimed.push(file);
    }
    expect(claimed).toEqual([]);
  });
});

/**
 * A CycloneDX BOM whose lists hold what the rules must see through, as
 * text: one component has a member named `__proto__`.
 */
function awkwardText(space?: number, changes: object = {}): string {
  return JSON.stringify({ ...awkwardBom(), ...changes }, null, space).replace(
    '"PROTO"',
    '"__proto__"',
  );
}

function awkwardBom(): Record<string, unknown> {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000001',
    version: 3,
    metadata: {
      timestamp: '2026-02-01T10:00:00Z',
      component: { name: 'app', version: '2.0', 'bom-ref': 'app' },
    },
    components: [
      {
        'bom-ref': 'a',
        name: 'a',
        licenses: [{ license: { id: 'MIT' } }],
        components: [
          { 'bom-ref': 'a/1', components: [{ 'bom-ref': 'deep' }] },
          'not an object',
        ],
      },
      { 'bom-ref': 'a', name: 'a again' },
      { PROTO: { 'bom-ref': 'hidden' }, name: 'proto' },
      42,
      null,
    ],
    services: [{ 'bom-ref': 's', services: [{ 'bom-ref': 's/1' }] }],
    vulnerabilities: [
      { 'bom-ref': 'v', id: 'CVE-1', analysis: { state: 'exploitable' } },
      { id: 'CVE-2', analysis: 'not an object' },
    ],
    dependencies: [
      { ref: 'app', dependsOn: ['a', 'deep', 'gone'] },
      { ref: 's', provides: ['s/1', 'nowhere'] },
      'junk',
    ],
  };
}

describe('a large document read from its outline', () => {
  it('reads a BOM with nested, repeated and odd entries as whole reading does', async () => {
    const text = awkwardText(2);
    expect(text).toContain('"__proto__"');
    const file = await written('awkward.cdx.json', text);
    const detection = await viaOutline(file);
    expect(detection).toEqual(detectEvidence(file, Buffer.from(text)));
    expect(detection).toMatchObject({
      format: 'cyclonedx-json',
      metadata: { componentCount: 5, serviceCount: 1, vulnerabilityCount: 2 },
    });
    const warnings = detection?.type === 'document' ? detection.warnings : [];
    expect(warnings.join('\n')).toContain('"a"');
    expect(warnings.join('\n')).toContain('"gone"');
    expect(warnings.join('\n')).toContain('"nowhere"');
    expect(warnings.join('\n')).not.toContain('"deep"');
  });

  it('reads SPDX 2, SPDX 3, SARIF and Trivy as whole reading does', async () => {
    const documents = {
      'spdx.json': {
        spdxVersion: 'SPDX-2.3',
        SPDXID: 'SPDXRef-DOCUMENT',
        name: 'x',
        creationInfo: {
          created: '2026-01-01T00:00:00Z',
          creators: ['Tool: t'],
        },
        packages: [{ name: 'p' }, { name: 'q' }, 7],
        files: [{ fileName: 'f' }],
        relationships: [{ spdxElementId: 'a' }],
      },
      'spdx3.json': {
        '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
        '@graph': [
          {
            type: 'CreationInfo',
            specVersion: '3.0.1',
            created: '2026-01-02T00:00:00Z',
            createdBy: ['urn:tool'],
            comment: 'dropped',
          },
          { type: 'Tool', spdxId: 'urn:tool', name: 'maker' },
          { type: 'SpdxDocument', spdxId: 'urn:doc', name: 'doc' },
          { type: 'software_Package', spdxId: 'urn:p', name: 'p' },
        ],
      },
      'scan.sarif': {
        version: '2.1.0',
        runs: [
          {
            tool: {
              driver: {
                name: 'scanner',
                version: '1.0',
                rules: [
                  { id: 'R1', defaultConfiguration: { level: 'error' } },
                  { id: 'R2', fullDescription: { text: 'long' } },
                ],
              },
            },
            invocations: [{ startTimeUtc: '2026-01-03T00:00:00Z' }],
            results: [
              { ruleId: 'R1', message: { text: 'x' } },
              { ruleId: 'R2', kind: 'pass' },
              { ruleId: 'R2', level: 'note' },
            ],
          },
        ],
      },
      'trivy.json': {
        SchemaVersion: 2,
        ArtifactName: 'img',
        ArtifactType: 'container_image',
        CreatedAt: '2026-01-04T00:00:00Z',
        Trivy: { Version: '0.50.0' },
        Results: [
          {
            Target: 't',
            Vulnerabilities: [{ VulnerabilityID: 'CVE-1', Severity: 'HIGH' }],
            Misconfigurations: [{ AVDID: 'AVD-1', Severity: 'LOW' }],
            MisconfSummary: { Successes: 3, Failures: 1 },
            Packages: [{ Name: 'p' }],
          },
        ],
      },
    };
    for (const [name, value] of Object.entries(documents)) {
      const text = JSON.stringify(value);
      const file = await written(name, text);
      const detection = await viaOutline(file);
      expect(detection, name).not.toBeNull();
      expect(detection, name).toEqual(detectEvidence(file, Buffer.from(text)));
    }
  });

  it('keeps a byte order mark out of the way', async () => {
    const text = awkwardText();
    const file = await written('marked.cdx.json', `\uFEFF${text}`);
    expect(await viaOutline(file)).toEqual(
      detectEvidence(file, Buffer.from(`\uFEFF${text}`)),
    );
  });

  it.each([
    ['two JSON values', '{"bomFormat":"CycloneDX"}\n{"bomFormat":"CycloneDX"}'],
    ['a cut-off document', '{"bomFormat":"CycloneDX","components":[{'],
    ['nesting past the limit', `${'['.repeat(300)}${']'.repeat(300)}`],
    [
      'a private key anywhere',
      JSON.stringify({
        bomFormat: 'CycloneDX',
        note: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      }),
    ],
    ['XML', '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>'],
  ])('declines %s, which is read whole instead', async (_what, text) => {
    const file = await written('declined.json', text);
    expect(await outlineJsonFile(file)).toBeNull();
  });

  it('declines bytes that are not UTF-8', async () => {
    const text = Buffer.concat([
      Buffer.from('{"bomFormat":"CycloneDX","specVersion":"1.6","name":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const file = await written('latin.json', text);
    expect(detectEvidence(file, text).type).toBe('document');
    expect(await outlineJsonFile(file)).toBeNull();
  });

  it('leaves a document of another format to whole reading', async () => {
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: 'x',
      stage: 'ResponseComplete',
      verb: 'get',
      requestURI: '/api',
      requestReceivedTimestamp: '2026-01-01T00:00:00Z',
      stageTimestamp: '2026-01-01T00:00:00Z',
      user: { username: 'u' },
    };
    const vex = {
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://example.com/vex',
      author: 'a',
      timestamp: '2026-01-01T00:00:00Z',
      version: 1,
      statements: [],
    };
    for (const value of [event, vex]) {
      const outline = await outlineJsonFile(
        await written('other.json', JSON.stringify(value)),
      );
      expect(outline).not.toBeNull();
      expect(detectOutlined(outline?.value)).toBeNull();
    }
  });
});

describe.each(BACKENDS)(
  'ingesting a document from its outline (%s)',
  (backend) => {
    let fixture: EvidenceFixture;

    beforeAll(async () => {
      fixture = await openEvidenceFixture(backend, 'outline');
      await fixture.store.saveTenant({
        id: 'outline',
        name: 'Outline',
        sample: false,
      });
    });
    afterAll(async () => {
      await fixture?.dispose();
    });

    const metrics = new Metrics({ defaults: false });
    const ingest = (file: string, objects: ObjectStore = fixture.objects) =>
      ingestFile({
        tenantId: 'outline',
        file,
        store: fixture.store,
        objects,
        streamFromBytes: 0,
        metrics,
      });

    it('stores the exact bytes with the facts whole reading gives', async () => {
      const text = awkwardText(1);
      const file = await written('stored.cdx.json', text);
      const result = await ingest(file);
      expect(result).toMatchObject({
        status: 'stored',
        format: 'cyclonedx-json',
      });
      const [doc] = await fixture.store.listDocuments('outline', 'sboms', EVER);
      const whole = detectEvidence(file, Buffer.from(text));
      if (whole.type !== 'document') throw new Error(whole.type);
      expect(doc?.metadata).toMatchObject(whole.metadata);
      expect(doc?.metadata.warnings).toEqual(whole.warnings);
      const stored = await fixture.objects.get(doc?.location as string);
      const chunks: Buffer[] = [];
      for await (const chunk of stored) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(Buffer.from(text))).toBe(true);
      expect(doc?.sha512).toBe(createHash('sha512').update(text).digest('hex'));
      expect(await ingest(file)).toMatchObject({ status: 'duplicate' });
      expect(await metrics.registry.metrics()).toContain(
        'dp_evidence_streamed_total{format="cyclonedx-json"} 2',
      );
    });

    it('keeps nothing when the file changes while it is read', async () => {
      const text = awkwardText(0, { serialNumber: 'urn:uuid:changing' });
      const file = await written('changing.cdx.json', text);
      const digest = createHash('sha512').update(text).digest('hex');
      const changing: ObjectStore = Object.create(fixture.objects, {
        put: {
          value: async (key: string, body: AsyncIterable<Uint8Array>) => {
            await appendFile(file, '\n ');
            return fixture.objects.put(key, body);
          },
        },
      }) as ObjectStore;
      const result = await ingest(file, changing);
      expect(result.status).toBe('failed');
      expect(result.errors.join()).toContain(
        'the file changed while it was being read',
      );
      expect(await fixture.objects.list('evidence/outline')).not.toContainEqual(
        expect.objectContaining({ key: `evidence/outline/${digest}` }),
      );
      const docs = await fixture.store.listDocuments('outline', 'sboms', EVER);
      expect(docs.map((d) => d.fileName)).not.toContain('changing.cdx.json');
    });
  },
);
