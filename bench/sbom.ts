import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A synthetic CycloneDX 1.6 JSON SBOM on disk. */
export interface SbomFile {
  file: string;
  bytes: number;
  components: number;
}

// About what one component of a real npm or Maven SBOM takes, licences,
// hashes, references and properties included.
const BYTES_PER_COMPONENT = 920;

/**
 * Writes a CycloneDX 1.6 SBOM of about `targetBytes`, streaming: one
 * primary component, flat components with nested sub-components now and
 * then, and a dependency graph over them. The same size gives the same
 * bytes.
 */
export async function writeCycloneDx(
  file: string,
  targetBytes: number,
): Promise<SbomFile> {
  const components = Math.max(1, Math.round(targetBytes / BYTES_PER_COMPONENT));
  await pipeline(
    Readable.from(cycloneDxChunks(components)),
    createWriteStream(file),
  );
  return { file, bytes: (await stat(file)).size, components };
}

function* cycloneDxChunks(count: number): Generator<string> {
  yield JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 1,
    metadata: {
      timestamp: '2025-01-15T10:00:00Z',
      tools: { components: [{ type: 'application', name: 'bench' }] },
      component: { type: 'application', name: 'shop', 'bom-ref': 'root' },
    },
  }).slice(0, -1);
  yield ',"components":[';
  let batch: string[] = [];
  for (let i = 0; i < count; i += 1) {
    batch.push(JSON.stringify(component(i)));
    if (batch.length === 1000 || i === count - 1) {
      yield (i >= 1000 ? ',' : '') + batch.join(',');
      batch = [];
    }
  }
  yield '],"dependencies":[';
  yield JSON.stringify({
    ref: 'root',
    dependsOn: Array.from({ length: Math.min(count, 50) }, (_, i) => ref(i)),
  });
  for (let i = 0; i < count; i += 1) {
    const on = [i * 7 + 1, i * 13 + 2].filter((j) => j < count).map(ref);
    yield ',' + JSON.stringify({ ref: ref(i), dependsOn: on });
  }
  yield ']}';
}

function ref(i: number): string {
  return `pkg:npm/%40bench/package-${i}@1.${i % 97}.${i % 13}`;
}

function component(i: number): Record<string, unknown> {
  const name = `package-${i}`;
  const version = `1.${i % 97}.${i % 13}`;
  const hex = (seed: number, length: number) =>
    Array.from({ length }, (_, k) =>
      ((seed * 31 + k * 7) % 16).toString(16),
    ).join('');
  return {
    type: 'library',
    'bom-ref': ref(i),
    group: '@bench',
    name,
    version,
    description: `Synthetic package ${i}, written for the ingest benchmark.`,
    purl: ref(i),
    licenses: [{ license: { id: i % 3 === 0 ? 'MIT' : 'Apache-2.0' } }],
    hashes: [
      { alg: 'SHA-512', content: hex(i, 128) },
      { alg: 'SHA-256', content: hex(i + 1, 64) },
    ],
    externalReferences: [
      {
        type: 'distribution',
        url: `https://registry.npmjs.org/@bench/${name}/-/${name}-${version}.tgz`,
      },
      { type: 'vcs', url: `git+https://example.com/bench/${name}.git` },
    ],
    properties: [
      { name: 'cdx:npm:package:path', value: `node_modules/@bench/${name}` },
    ],
    ...(i % 50 === 0
      ? {
          components: [
            { type: 'file', 'bom-ref': `${ref(i)}#file`, name: `${name}.js` },
          ],
        }
      : {}),
  };
}
