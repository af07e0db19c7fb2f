import { PackagerError, isPackagerError } from '../domain/index.js';
import {
  toCosignSignature,
  toSigstoreBundle,
  type Signer,
} from '../signing/index.js';
import { toChecksumIndex, type IndexLine } from './checksums.js';
import { sha512Hex } from './digest.js';
import { BUNDLE_FILES } from './layout.js';
import {
  MANIFEST_VERSION,
  toManifestJson,
  toMissing,
  toSummary,
  type Manifest,
  type ManifestFile,
  type ManifestRedaction,
} from './manifest.js';
import { EntryNamer } from './names.js';
import { toReadme } from './readme.js';
import type {
  AssembleOptions,
  AssembleResult,
  BundleSource,
} from './source.js';
import { ZipWriter } from './zipwriter.js';
import { ProgressMeter } from './progress.js';

/**
 * Streams a signed disclosure bundle into options.output. Evidence entries
 * come first, in source order; then manifest.json, README.txt, cosign.pub,
 * the checksum index SHA512SUMS and its two signatures (docs/bundle.md).
 */
export async function assembleBundle(
  options: AssembleOptions,
): Promise<AssembleResult> {
  const zipSignature = options.signer.signStream();
  const writer = new ZipWriter(options.output, {
    compression: options.compression ?? 'deflate',
    forceZip64: options.forceZip64 ?? false,
    ...(zipSignature && { onOutput: (chunk) => zipSignature.update(chunk) }),
  });
  try {
    const redactions: ManifestRedaction[] = [];
    const files = await writeEvidence(writer, options, redactions);

    options.onStage?.('assemble');
    const manifest = toManifest(options, files, redactions);
    const indexed: IndexLine[] = files.map(({ path, sha512 }) => ({
      path,
      sha512,
    }));
    for (const [path, data] of describingFiles(manifest, options.signer)) {
      indexed.push({ path, ...writer.addBuffer(path, data) });
    }

    const index = toChecksumIndex(indexed);
    options.onStage?.('sign');
    await writeIndexAndSignatures(writer, index, options.signer);

    const zip = await writer.finish();
    return {
      manifest,
      ...zip,
      indexSha512: sha512Hex(index),
      zipSignature: zipSignature
        ? toCosignSignature(await zipSignature.finish())
        : null,
    };
  } catch (error) {
    writer.abort(error);
    throw toExportError(error);
  }
}

async function writeEvidence(
  writer: ZipWriter,
  options: AssembleOptions,
  redactions: ManifestRedaction[],
): Promise<ManifestFile[]> {
  const namer = new EntryNamer();
  const meter = new ProgressMeter(options.onProgress);
  const files: ManifestFile[] = [];
  for await (const source of options.sources) {
    assertRequested(source, options);
    const path = namer.pathFor(source.kind, source.preferredName);
    const written = await writer.addStream(path, source.content(), (bytes) =>
      meter.addBytes(bytes),
    );
    files.push(toManifestFile(source, path, written, source.items()));
    for (const { rule, count } of source.redactions?.() ?? []) {
      const policy = options.redactionPolicy ?? 'none';
      redactions.push({ path, policy, rule, count });
    }
    meter.addEntry();
  }
  return files;
}

function toManifestFile(
  source: BundleSource,
  path: string,
  written: { size: number; sha512: string },
  items: number,
): ManifestFile {
  return {
    path,
    kind: source.kind,
    format: source.format,
    specVersion: source.specVersion,
    mediaType: source.mediaType,
    size: written.size,
    sha512: written.sha512,
    items,
    eventTime: source.eventTimeExact ?? source.eventTime?.toISOString() ?? null,
    eventTimeRule: source.eventTimeRule ?? null,
    counts: source.counts?.() ?? {},
    ...(source.outcomes && { outcomes: source.outcomes }),
    ...(source.subjects && { subjects: source.subjects }),
    metadata: source.metadata,
    ...(source.jurisdictions && { jurisdictions: source.jurisdictions }),
    ...(source.policyVersions && { policyVersions: source.policyVersions }),
    ...(source.redacted?.() && { redacted: true as const }),
  };
}

function toManifest(
  options: AssembleOptions,
  files: ManifestFile[],
  redactions: ManifestRedaction[],
): Manifest {
  const summary = toSummary(options.artifacts, files, options.outcomes?.());
  return {
    manifestVersion: MANIFEST_VERSION,
    generator: {
      name: options.generator.name,
      version: options.generator.version,
    },
    tenant: { id: options.tenant.id, name: options.tenant.name },
    window: {
      from: options.window.from.toISOString(),
      to: options.window.to.toISOString(),
    },
    artifacts: [...options.artifacts],
    job: {
      id: options.job.id,
      requestedBy: options.job.requestedBy,
      createdAt: options.job.createdAt.toISOString(),
    },
    signing: {
      keyId: options.signer.keyId,
      algorithm: options.signer.algorithm,
      signedAt: (options.signedAt ?? new Date()).toISOString(),
      publicKey: BUNDLE_FILES.publicKey,
      checksumIndex: BUNDLE_FILES.index,
      signature: BUNDLE_FILES.signature,
      sigstoreBundle: BUNDLE_FILES.sigstoreBundle,
    },
    files,
    summary,
    missing: toMissing(summary),
    redactions,
    warnings: [...options.warnings],
    proofs: { version: 1, entries: [] },
  };
}

/** The indexed files that describe the bundle, in entry order. */
function describingFiles(
  manifest: Manifest,
  signer: Signer,
): [string, Buffer][] {
  return [
    [BUNDLE_FILES.manifest, toManifestJson(manifest)],
    [BUNDLE_FILES.readme, toReadme()],
    [BUNDLE_FILES.publicKey, Buffer.from(signer.publicKeyPem, 'utf8')],
  ];
}

async function writeIndexAndSignatures(
  writer: ZipWriter,
  index: Buffer,
  signer: Signer,
): Promise<void> {
  const der = await signer.sign(index);
  const bundle = toSigstoreBundle(index, der, signer.publicKeyPem);
  writer.addBuffer(BUNDLE_FILES.index, index);
  writer.addBuffer(
    BUNDLE_FILES.signature,
    Buffer.from(toCosignSignature(der), 'utf8'),
  );
  writer.addBuffer(
    BUNDLE_FILES.sigstoreBundle,
    Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`, 'utf8'),
  );
}

function assertRequested(source: BundleSource, options: AssembleOptions) {
  if (!options.artifacts.includes(source.kind)) {
    throw new PackagerError(
      'DP_EXPORT_FAILED',
      `evidence of kind ${source.kind} was offered for a bundle that ` +
        `asked only for ${options.artifacts.join(', ')}`,
    );
  }
}

function toExportError(error: unknown): PackagerError {
  if (isPackagerError(error)) return error;
  return new PackagerError(
    'DP_EXPORT_FAILED',
    `the bundle could not be written: ${(error as Error).message}`,
    { cause: error },
  );
}
