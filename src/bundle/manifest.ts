import type {
  ArtifactKind,
  JobError,
  KindOutcome,
  KindStatus,
} from '../domain/index.js';

/** Version of the manifest layout; bumped only on incompatible change. */
export const MANIFEST_VERSION = '1';

/** One evidence file of the bundle, as manifest.json describes it. */
export interface ManifestFile {
  path: string;
  kind: ArtifactKind;
  format: string;
  specVersion: string | null;
  mediaType: string;
  size: number;
  sha512: string;
  /** Records (audit events) or documents (1) the file holds. */
  items: number;
  /**
   * RFC 3339 UTC with every digit the evidence wrote (a leap second as
   * 23:59:60), or null for a file spanning many events.
   */
  eventTime: string | null;
  /** Which rule of the format chose eventTime (docs/evidence-formats.md). */
  eventTimeRule: string | null;
  /** Counts the format states: components, packages, subjects, events. */
  counts: Record<string, number>;
  /** Policy outcomes of a report: pass, fail, warn, error, skip. */
  outcomes?: Record<string, number>;
  /** What an attestation is about: subject names with their digests. */
  subjects?: { name: string | null; digest: Record<string, unknown> }[];
  metadata: Record<string, unknown>;
  jurisdictions?: string[];
  policyVersions?: string[];
  /** Set when redaction changed a document's stored bytes. */
  redacted?: true;
}

export interface KindSummary {
  /** included, empty (the window holds none), or omitted (see reason). */
  status: KindStatus;
  /** Items the window held when the source was opened. */
  expected: number;
  /** Items written into the bundle (the same as `items`). */
  exported: number;
  files: number;
  items: number;
  bytes: number;
  /** Why the kind was omitted. */
  reason?: JobError;
}

/** A requested kind that is not in the bundle, and why. */
export interface MissingKind {
  kind: ArtifactKind;
  status: 'empty' | 'omitted';
  code: string;
  reason: string;
}

/** How many values one rule of the policy redacted in one file. */
export interface ManifestRedaction {
  path: string;
  policy: string;
  /** A detector name, or `field:<path>` for a field rule. */
  rule: string;
  count: number;
}

/** A proof about the bundle; the list stays empty until proofs exist. */
export interface ManifestProof {
  type: string;
  [field: string]: unknown;
}

/**
 * The bundle's manifest. Everything in it follows from the evidence, the
 * request and the key, except `job`, which names the export that made it.
 */
export interface Manifest {
  manifestVersion: typeof MANIFEST_VERSION;
  generator: { name: string; version: string };
  tenant: { id: string; name: string };
  window: { from: string; to: string };
  artifacts: ArtifactKind[];
  job: { id: string; requestedBy: string; createdAt: string };
  signing: {
    keyId: string;
    algorithm: string;
    /** When the export took its key; checked against the key's window. */
    signedAt: string;
    publicKey: string;
    checksumIndex: string;
    signature: string;
    sigstoreBundle: string;
  };
  files: ManifestFile[];
  summary: Partial<Record<ArtifactKind, KindSummary>>;
  missing: MissingKind[];
  redactions: ManifestRedaction[];
  warnings: string[];
  proofs: { version: 1; entries: ManifestProof[] };
}

/** The fields of a manifest that name the job rather than the evidence. */
export const JOB_FIELDS = Object.freeze([
  'job.id',
  'job.requestedBy',
  'job.createdAt',
  'signing.signedAt',
] as const);

/**
 * One row per kind asked: what became of it (from the sources' outcomes,
 * when given) and the files, items and bytes written. Without outcomes a
 * kind is included when it has files, else empty.
 */
export function toSummary(
  artifacts: readonly ArtifactKind[],
  files: readonly ManifestFile[],
  outcomes: Partial<Record<ArtifactKind, KindOutcome>> = {},
): Partial<Record<ArtifactKind, KindSummary>> {
  const summary: Partial<Record<ArtifactKind, KindSummary>> = {};
  const rowOf = (kind: ArtifactKind): KindSummary =>
    (summary[kind] ??= {
      status: 'empty',
      expected: 0,
      exported: 0,
      files: 0,
      items: 0,
      bytes: 0,
    });
  for (const kind of artifacts) rowOf(kind);
  for (const file of files) {
    const row = rowOf(file.kind);
    row.files += 1;
    row.items += file.items;
    row.exported += file.items;
    row.bytes += file.size;
  }
  for (const [kind, row] of Object.entries(summary)) {
    const outcome = outcomes[kind as ArtifactKind];
    row.status = outcome?.status ?? (row.files > 0 ? 'included' : 'empty');
    row.expected = outcome?.expected ?? row.exported;
    if (outcome?.reason) row.reason = { ...outcome.reason };
  }
  return summary;
}

/** The kinds asked for that are not in the bundle, from the summary. */
export function toMissing(
  summary: Partial<Record<ArtifactKind, KindSummary>>,
): MissingKind[] {
  const missing: MissingKind[] = [];
  for (const [kind, row] of Object.entries(summary)) {
    if (row.status === 'omitted') {
      missing.push({
        kind: kind as ArtifactKind,
        status: 'omitted',
        code: row.reason?.code ?? 'DP_SOURCE_UNAVAILABLE',
        reason: row.reason?.message ?? 'the source did not answer',
      });
    } else if (row.status === 'empty') {
      missing.push({
        kind: kind as ArtifactKind,
        status: 'empty',
        code: 'DP_KIND_EMPTY',
        reason: `no ${kind} in the window`,
      });
    }
  }
  return missing;
}

/**
 * Serialises a manifest deterministically: our own fields in the order the
 * Manifest type declares them (the order they are built in), the keys of
 * free-form `metadata` sorted at every level by UTF-16 code units (as RFC
 * 8785 orders them), two-space indent, one trailing LF.
 */
export function toManifestJson(manifest: Manifest): Buffer {
  const json = JSON.stringify(manifest, sortMetadata, 2);
  return Buffer.from(`${json}\n`, 'utf8');
}

function sortMetadata(key: string, value: unknown): unknown {
  return key === 'metadata' ? sortKeysDeep(value) : value;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  // Dates and other objects with toJSON serialise as JSON.stringify would.
  const plain = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof plain.toJSON === 'function') return plain.toJSON();
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(plain).sort()) {
    sorted[key] = sortKeysDeep(plain[key]);
  }
  return sorted;
}
