import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import {
  assembleBundle,
  type AssembleOptions,
  type AssembleResult,
  type BundleSource,
} from '../../src/bundle/index.js';
import { toSigner, type Signer } from '../../src/signing/index.js';

/** A fresh in-memory P-256 signer; no scrypt, so it is fast. */
export function aSigner(): Signer {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
  });
  return toSigner(privateKey);
}

/** An evidence source whose content streams in small chunks. */
export function aSource(
  overrides: Partial<BundleSource> & { text?: string } = {},
): BundleSource {
  const { text = '{"bomFormat":"CycloneDX"}\n', ...rest } = overrides;
  return {
    kind: 'sboms',
    preferredName: 'sbom.cdx.json',
    format: 'cyclonedx-json',
    specVersion: '1.6',
    mediaType: 'application/vnd.cyclonedx+json',
    eventTime: new Date('2026-01-10T12:00:00Z'),
    metadata: { component: 'api', zeta: 1, alpha: { b: 2, a: 1 } },
    content: () => chunked(Buffer.from(text, 'utf8'), 7),
    items: () => 1,
    ...rest,
  };
}

/** Audit events as JSON Lines, counted as they stream. */
export function anAuditSource(events = 50): BundleSource {
  let counted = 0;
  async function* lines() {
    for (let i = 0; i < events; i += 1) {
      await Promise.resolve();
      const time = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      counted += 1;
      yield Buffer.from(`{"id":"e${i}","time":"${time}","a":"read"}\n`);
    }
  }
  return aSource({
    kind: 'audit-events',
    preferredName: 'audit-events.jsonl',
    format: 'jsonl',
    specVersion: null,
    mediaType: 'application/jsonl',
    eventTime: null,
    metadata: { sources: ['kubernetes-audit'] },
    content: lines,
    items: () => counted,
  });
}

/** A mix of sources that exercises naming: NFD, traversal, duplicates. */
export function someSources(): BundleSource[] {
  return [
    anAuditSource(),
    aSource({ preferredName: 'cafe\u0301.cdx.json', text: '{"n":"é"}\n' }),
    aSource({ preferredName: 'sbom.json', text: '{"n":1}\n' }),
    aSource({ preferredName: 'SBOM.json', text: '{"n":2}\n' }),
    aSource({
      kind: 'attestations',
      preferredName: '../../etc/passwd',
      format: 'in-toto',
      text: 'attestation\n',
      jurisdictions: ['EU'],
    }),
    aSource({
      kind: 'policy-reports',
      preferredName: 'report.json',
      format: 'opa',
      text: '{"allow":true}\n',
      policyVersions: ['baseline@3'],
    }),
  ];
}

/** Assemble options for tenant acme, with a job that can be overridden. */
export function anAssembly(
  signer: Signer,
  overrides: Partial<AssembleOptions> = {},
): Omit<AssembleOptions, 'output'> {
  return {
    tenant: { id: 'acme', name: 'Acme Corp' },
    window: {
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
    },
    artifacts: [
      'audit-events',
      'sboms',
      'attestations',
      'signatures',
      'policy-reports',
    ],
    job: {
      id: 'job-1',
      requestedBy: 'alice@acme.example',
      createdAt: new Date('2026-02-02T08:00:00Z'),
    },
    sources: someSources(),
    outcomes: () => ({
      signatures: {
        status: 'omitted',
        expected: 2,
        exported: 0,
        retries: 3,
        reason: {
          code: 'DP_SOURCE_UNAVAILABLE',
          message: 'service unavailable',
        },
      },
    }),
    warnings: ['one SBOM had no timestamp'],
    signer,
    generator: { name: 'disclosure-packager', version: '0.1.0' },
    compression: 'store',
    ...overrides,
  };
}

/** Writes a bundle to a file and returns the assembly result. */
export async function assembleToFile(
  path: string,
  options: Omit<AssembleOptions, 'output'>,
): Promise<AssembleResult> {
  const output = createWriteStream(path);
  const result = await assembleBundle({ ...options, output });
  await finished(output);
  return result;
}

/** A temporary folder, removed by the returned cleanup function. */
export async function aTempDir(): Promise<{
  dir: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'dp-bundle-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface ZipItem {
  name: string;
  data: Buffer;
}

/** Reads every entry of a small test ZIP into memory, in entry order. */
export async function readZipItems(path: string): Promise<ZipItem[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const items: ZipItem[] = [];
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      zip.once('entry', resolve).once('end', () => resolve(null));
      zip.once('error', reject);
      zip.readEntry();
    });
    zip.removeAllListeners();
    if (entry === null) return items;
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    items.push({ name: entry.fileName, data: Buffer.concat(chunks) });
  }
}

/** Writes a stored ZIP holding exactly the given items. */
export async function writeZipItems(path: string, items: ZipItem[]) {
  const zip = new ZipFile();
  for (const item of items) {
    zip.addBuffer(item.data, item.name, {
      compress: false,
      mtime: new Date(1980, 0, 1),
      forceDosTimestamp: true,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  await writeFile(path, Buffer.concat(chunks));
}

/** Copies a ZIP through an edit of its item list: tampering, made easy. */
export async function rewriteZip(
  from: string,
  to: string,
  edit: (items: ZipItem[]) => ZipItem[],
): Promise<void> {
  await writeZipItems(to, edit(await readZipItems(from)));
}

/** Replaces every occurrence of `from` by `to` (same length) in a file. */
export async function patchBytes(path: string, from: string, to: string) {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) {
    throw new Error('a byte patch must keep the length');
  }
  const data = await readFile(path);
  const needle = Buffer.from(from);
  let at = data.indexOf(needle);
  if (at < 0) throw new Error(`${from} not found in ${path}`);
  while (at >= 0) {
    Buffer.from(to).copy(data, at);
    at = data.indexOf(needle, at + needle.length);
  }
  await writeFile(path, data);
}

async function* chunked(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) {
    await Promise.resolve();
    yield data.subarray(i, i + size);
  }
}
