import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A synthetic SBOM on disk. */
export interface SbomFile {
  file: string;
  bytes: number;
  components: number;
}

/** The SBOM formats the benchmark writes. */
export const SBOM_FORMATS = [
  'cyclonedx-json',
  'cyclonedx-xml',
  'spdx-tag-value',
] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

// About what one component of a real npm or Maven SBOM takes in each
// format, licences, hashes, references and properties included.
const BYTES_PER_COMPONENT: Record<SbomFormat, number> = {
  'cyclonedx-json': 920,
  'cyclonedx-xml': 870,
  'spdx-tag-value': 590,
};

const CHUNKS: Record<SbomFormat, (count: number) => Generator<string>> = {
  'cyclonedx-json': cycloneDxChunks,
  'cyclonedx-xml': cycloneDxXmlChunks,
  'spdx-tag-value': tagValueChunks,
};

/**
 * Writes an SBOM of about `targetBytes` in `format`, streaming: one
 * primary component or package, then many, and (CycloneDX) nested
 * sub-components now and then and a dependency graph over them. The
 * same size gives the same bytes.
 */
export async function writeSbom(
  format: SbomFormat,
  file: string,
  targetBytes: number,
): Promise<SbomFile> {
  const per = BYTES_PER_COMPONENT[format];
  const components = Math.max(1, Math.round(targetBytes / per));
  await pipeline(
    Readable.from(CHUNKS[format](components)),
    createWriteStream(file),
  );
  return { file, bytes: (await stat(file)).size, components };
}

/** writeSbom for CycloneDX JSON. */
export function writeCycloneDx(
  file: string,
  targetBytes: number,
): Promise<SbomFile> {
  return writeSbom('cyclonedx-json', file, targetBytes);
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

function* cycloneDxXmlChunks(count: number): Generator<string> {
  yield (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<bom xmlns="http://cyclonedx.org/schema/bom/1.6" ' +
    'serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">\n' +
    '  <metadata>\n    <timestamp>2025-01-15T10:00:00Z</timestamp>\n' +
    '    <component type="application" bom-ref="root"><name>shop</name></component>\n' +
    '  </metadata>\n  <components>\n'
  );
  for (let i = 0; i < count; i += 1) {
    const name = `package-${i}`;
    const version = `1.${i % 97}.${i % 13}`;
    const nested =
      i % 50 === 0
        ? `<components><component type="file" bom-ref="${ref(i)}#file">` +
          `<name>${name}.js</name></component></components>`
        : '';
    yield (
      `    <component type="library" bom-ref="${ref(i)}">` +
      `<group>@bench</group><name>${name}</name><version>${version}</version>` +
      `<description>Synthetic package ${i}, written for the ingest benchmark.</description>` +
      `<hashes><hash alg="SHA-512">${hex(i, 128)}</hash>` +
      `<hash alg="SHA-256">${hex(i + 1, 64)}</hash></hashes>` +
      `<licenses><license><id>${i % 3 === 0 ? 'MIT' : 'Apache-2.0'}</id></license></licenses>` +
      `<purl>${ref(i)}</purl><externalReferences><reference type="distribution">` +
      `<url>https://registry.npmjs.org/@bench/${name}/-/${name}-${version}.tgz</url>` +
      `</reference></externalReferences>${nested}</component>\n`
    );
  }
  yield '  </components>\n  <dependencies>\n';
  for (let i = 0; i < count; i += 1) {
    const on = [i * 7 + 1, i * 13 + 2].filter((j) => j < count);
    yield (
      `    <dependency ref="${ref(i)}">` +
      on.map((j) => `<dependency ref="${ref(j)}"/>`).join('') +
      '</dependency>\n'
    );
  }
  yield '  </dependencies>\n</bom>\n';
}

function* tagValueChunks(count: number): Generator<string> {
  yield [
    'SPDXVersion: SPDX-2.3',
    'DataLicense: CC0-1.0',
    'SPDXID: SPDXRef-DOCUMENT',
    'DocumentName: shop',
    'DocumentNamespace: https://example.com/spdx/shop-3e671687',
    'Creator: Tool: bench',
    'Created: 2025-01-15T10:00:00Z',
    '',
    '',
  ].join('\n');
  for (let i = 0; i < count; i += 1) {
    const name = `package-${i}`;
    const version = `1.${i % 97}.${i % 13}`;
    yield [
      `PackageName: ${name}`,
      `SPDXID: SPDXRef-Package-${i}`,
      `PackageVersion: ${version}`,
      `PackageDownloadLocation: https://registry.npmjs.org/@bench/${name}/-/${name}-${version}.tgz`,
      'FilesAnalyzed: false',
      `PackageChecksum: SHA512: ${hex(i, 128)}`,
      `PackageLicenseConcluded: ${i % 3 === 0 ? 'MIT' : 'Apache-2.0'}`,
      'PackageLicenseDeclared: NOASSERTION',
      'PackageCopyrightText: NOASSERTION',
      `ExternalRef: PACKAGE-MANAGER purl ${ref(i)}`,
      `Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Package-${i}`,
      '',
      '',
    ].join('\n');
  }
}

function hex(seed: number, length: number): string {
  return Array.from({ length }, (_, k) =>
    ((seed * 31 + k * 7) % 16).toString(16),
  ).join('');
}
