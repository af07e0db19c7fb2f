import type { ArtifactKind } from '../domain/index.js';

/** One bundle as it was published: what the graph learns at that time. */
export interface BundleRecord {
  tenantId: string;
  job: {
    id: string;
    /** Who asked for the export: a token's subject, or `operator`. */
    requestedBy: string;
    requestedAt: Date;
    window: { from: Date; to: Date };
  };
  bundle: {
    sha512: string;
    size: number;
    /** The key that signed its checksum index. */
    keyId: string;
    publishedAt: Date;
  };
  /** Every evidence file in the bundle. */
  artifacts: { sha512: string; kind: ArtifactKind; path: string }[];
}

/** One download of a bundle. */
export interface DownloadRecord {
  tenantId: string;
  /** Unique per download, so that recording it twice changes nothing. */
  id: string;
  bundleSha512: string;
  /** Who downloaded it: a token's subject, or `link:<job>`. */
  actor: string;
  /** The credential used: token, oidc or link. */
  via: string;
  at: Date;
}

/** A bundle that held an artifact, as the artifact query answers it. */
export interface ContainingBundle {
  sha512: string;
  size: number;
  keyId: string;
  publishedAt: Date;
  jobId: string;
  requestedBy: string;
  /** The artifact's path and kind in that bundle. */
  path: string;
  kind: ArtifactKind;
}

export interface ArtifactProvenance {
  sha512: string;
  /** Oldest first. */
  bundles: ContainingBundle[];
}

export interface BundleProvenance {
  sha512: string;
  size: number;
  keyId: string;
  publishedAt: Date;
  job: {
    id: string;
    requestedBy: string;
    requestedAt: Date;
    window: { from: Date; to: Date };
  };
  /** By path. */
  artifacts: { sha512: string; kind: ArtifactKind; path: string }[];
  /** Oldest first. */
  downloads: { actor: string; via: string; at: Date }[];
}

/**
 * The provenance graph: which bundles disclosed which artifacts, for
 * whom, signed by which key, and who downloaded them. Every query is for
 * one tenant; another tenant's bundles and artifacts are never found.
 * Records are idempotent: writing one twice changes nothing.
 */
export interface ProvenanceStore {
  recordBundle(record: BundleRecord): Promise<void>;
  recordDownload(record: DownloadRecord): Promise<void>;
  /** Null when no bundle of the tenant held the artifact. */
  artifact(
    tenantId: string,
    sha512: string,
  ): Promise<ArtifactProvenance | null>;
  /** Null when the tenant published no such bundle. */
  bundle(tenantId: string, sha512: string): Promise<BundleProvenance | null>;
  close(): Promise<void>;
}
