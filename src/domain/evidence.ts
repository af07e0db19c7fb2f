import type { DocumentKind } from './artifacts.js';

/** A tenant of the platform, whose evidence is kept apart from all others. */
export interface Tenant {
  readonly id: string;
  readonly name: string;
  /** True for the demo tenants seeded with the product's own sample evidence. */
  readonly sample: boolean;
}

/** One audit event normalised to the fields every source format shares. */
export interface AuditEvent {
  readonly tenantId: string;
  /** The event's own time, to the millisecond it falls in (cut). */
  readonly eventTime: Date;
  /**
   * The time in UTC with every digit the source wrote, when that says
   * more than eventTime: sub-millisecond digits, or a leap second.
   */
  readonly eventTimeExact?: string | null;
  /** The source's id for the event, unique within the tenant and format. */
  readonly id: string;
  readonly actor: string | null;
  readonly action: string | null;
  readonly resource: string | null;
  readonly outcome: string | null;
  /** The source format, such as `kubernetes-audit` or `cloudtrail`. */
  readonly sourceFormat: string;
  /** The file the event was read from, as given at ingest. */
  readonly sourceName: string;
  /** The original record, byte for byte as it was read. */
  readonly original: string;
}

/** A whole document of evidence: an SBOM, attestation, signature or report. */
export interface EvidenceDocument {
  readonly tenantId: string;
  readonly id: string;
  readonly kind: DocumentKind;
  /** The format family, such as `cyclonedx-json` or `spdx-tag-value`. */
  readonly format: string;
  readonly specVersion: string | null;
  readonly mediaType: string;
  /** The time the document states, else the time it was ingested. */
  readonly eventTime: Date;
  /**
   * Where eventTime came from: the document itself, its sender (the
   * ingest API's eventTime), or the ingest clock.
   */
  readonly eventTimeSource: 'document' | 'supplied' | 'ingest';
  readonly fileName: string;
  readonly size: number;
  readonly sha512: string;
  /** Key of the bytes in the evidence object store. */
  readonly location: string;
  readonly metadata: Record<string, unknown>;
  readonly ingestedAt: Date;
}

// Dash-separated words: no leading, trailing or doubled dash, so that an
// id makes a valid S3 bucket name and DNS label in every template.
const TENANT_ID = /^(?=.{1,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Tenant ids are lowercase slugs, safe in object keys and file names. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}
