import type { ArtifactKind, KindOutcome, TimeWindow } from '../domain/index.js';
import type { Signer } from '../signing/index.js';
import type { Manifest } from './manifest.js';
import type { EntryContent } from './zipwriter.js';

/** One evidence file to put in a bundle, streamed when its turn comes. */
export interface BundleSource {
  kind: ArtifactKind;
  /** The original file name, or 'audit-events.jsonl'; made safe here. */
  preferredName: string;
  format: string;
  specVersion: string | null;
  mediaType: string;
  eventTime: Date | null;
  /** eventTime with every digit the evidence wrote (RFC 3339, UTC). */
  eventTimeExact?: string | null;
  /** Which rule of the format chose eventTime. */
  eventTimeRule?: string | null;
  metadata: Record<string, unknown>;
  /** Counts the format states; called after content() is consumed. */
  counts?(): Record<string, number>;
  /** Policy outcomes (pass, fail, warn, error, skip) of a report. */
  outcomes?: Record<string, number>;
  /** What an attestation is about: names with digests. */
  subjects?: { name: string | null; digest: Record<string, unknown> }[];
  /** Jurisdiction tags (for example 'EU'), when the evidence carries any. */
  jurisdictions?: string[];
  /** Versions of the policies a policy report was evaluated against. */
  policyVersions?: string[];
  /** The bytes; called once, when the entry is written. */
  content(): EntryContent;
  /** Records or documents in the file; called after content() is consumed. */
  items(): number;
  /** Values redacted in the file, per rule; after content() is consumed. */
  redactions?(): { rule: string; count: number }[];
  /** True when redaction changed a document's stored bytes. */
  redacted?(): boolean;
}

export interface AssembleProgress {
  entriesWritten: number;
  /** Uncompressed evidence bytes written so far. */
  bytesWritten: number;
}

export interface AssembleOptions {
  /** Receives the ZIP; ended when the bundle is complete. */
  output: NodeJS.WritableStream;
  tenant: { id: string; name: string };
  window: TimeWindow;
  artifacts: ArtifactKind[];
  job: { id: string; requestedBy: string; createdAt: Date };
  /** Evidence in a deterministic order; entries keep this order. */
  sources: AsyncIterable<BundleSource> | Iterable<BundleSource>;
  /**
   * What became of each kind asked for (included, empty or omitted, with
   * expected counts); asked once every evidence entry is written. Without
   * it, a kind with files is included and one without is empty.
   */
  outcomes?: () => Partial<Record<ArtifactKind, KindOutcome>>;
  warnings: string[];
  signer: Signer;
  /** When the job took its key (manifest signing.signedAt); default now. */
  signedAt?: Date;
  generator: { name: string; version: string };
  /** The redaction policy the evidence went through, named in redactions. */
  redactionPolicy?: string;
  /** 'deflate' (the default) or 'store'. */
  compression?: 'store' | 'deflate';
  /** ZIP64 records for every entry; yazl adds them by itself when needed. */
  forceZip64?: boolean;
  onProgress?: (progress: AssembleProgress) => void;
  /** The evidence is written: the manifest ('assemble'), then 'sign'. */
  onStage?: (stage: 'assemble' | 'sign') => void;
}

export interface AssembleResult {
  manifest: Manifest;
  /** Bytes of the ZIP. */
  size: number;
  /** Hex SHA-512 of the whole ZIP, computed while it streamed. */
  sha512: string;
  /** Hex SHA-512 of SHA512SUMS, the document that is signed. */
  indexSha512: string;
  /**
   * Base64 signature of the whole ZIP, as `cosign sign-blob` writes it,
   * computed while the ZIP streamed; null for keys that cannot sign a
   * stream (Ed25519).
   */
  zipSignature: string | null;
  entries: number;
}
