import type { EvidenceDocument } from '../domain/index.js';

/** The facts about one file that every manifest entry states the same way. */
export interface ManifestFacts {
  /** The instant in UTC with every digit the document wrote. */
  eventTimeExact: string | null;
  /** Which field chose the event time (docs/evidence-formats.md). */
  eventTimeRule: string;
  /** Counts the format states: components, packages, subjects, ... */
  counts: Record<string, number>;
  /** Policy outcomes (pass, fail, warn, error, skip), for reports. */
  outcomes?: Record<string, number>;
  /** What an attestation is about: names with digests. */
  subjects?: { name: string | null; digest: Record<string, unknown> }[];
  policyVersions?: string[];
  jurisdictions?: string[];
}

const JURISDICTION_TAG = 'jurisdiction:';

/**
 * Lifts the facts a manifest states for every file out of a document's
 * metadata, where the format readers put them: fields named `xCount`
 * become counts, `summary` the outcomes, `subjects` and `policyVersions`
 * as they are. Jurisdictions are the tenant's, and the file's own tags
 * of the form `jurisdiction:EU`.
 */
export function manifestFactsOf(
  doc: Pick<EvidenceDocument, 'metadata'> & {
    eventTimeSource?: EvidenceDocument['eventTimeSource'];
  },
  tenantJurisdictions: readonly string[] = [],
): ManifestFacts {
  const meta = doc.metadata;
  const exact =
    typeof meta.eventTimeExact === 'string' ? meta.eventTimeExact : null;
  // A rule recorded at ingest names the document's own field; a time the
  // sender supplied, or the ingest clock, outranks it.
  // Documents read through a source carry it in their metadata.
  const source = String(doc.eventTimeSource ?? meta.eventTimeSource);
  const rule =
    source === 'ingest'
      ? 'ingest time (the document states none)'
      : source === 'supplied'
        ? 'supplied at ingest'
        : typeof meta.eventTimeRule === 'string'
          ? meta.eventTimeRule
          : 'document';
  return {
    eventTimeExact: exact,
    eventTimeRule: rule,
    counts: countsOf(meta),
    ...optional('outcomes', outcomesOf(meta.summary)),
    ...optional('subjects', subjectsOf(meta.subjects)),
    ...optional('policyVersions', stringsOf(meta.policyVersions)),
    ...optional(
      'jurisdictions',
      jurisdictionsOf(tenantJurisdictions, stringsOf(meta.tags) ?? []),
    ),
  };
}

/** The tenant's jurisdictions and a file's own jurisdiction tags, sorted. */
export function jurisdictionsOf(
  tenant: readonly string[],
  tags: readonly string[],
): string[] | undefined {
  const own = tags
    .filter((t) => t.startsWith(JURISDICTION_TAG))
    .map((t) => t.slice(JURISDICTION_TAG.length))
    .filter(Boolean);
  const all = [...new Set([...tenant, ...own])].sort();
  return all.length > 0 ? all : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined) {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
}

function countsOf(meta: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(meta)) {
    const match = /^(\w+)Count$/.exec(key);
    if (match?.[1] && Number.isInteger(value))
      counts[match[1]] = value as number;
  }
  return counts;
}

const OUTCOMES = ['pass', 'fail', 'warn', 'error', 'skip'];

function outcomesOf(summary: unknown): Record<string, number> | undefined {
  if (typeof summary !== 'object' || summary === null) return undefined;
  const given = summary as Record<string, unknown>;
  if (!OUTCOMES.every((o) => Number.isInteger(given[o]))) return undefined;
  return Object.fromEntries(OUTCOMES.map((o) => [o, given[o] as number]));
}

function subjectsOf(value: unknown): ManifestFacts['subjects'] {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value
    .filter(
      (s): s is Record<string, unknown> => typeof s === 'object' && s !== null,
    )
    .map((s) => ({
      name: typeof s.name === 'string' ? s.name : null,
      digest:
        typeof s.digest === 'object' && s.digest !== null
          ? (s.digest as Record<string, unknown>)
          : {},
    }));
}

function stringsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const strings = value.filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return strings.length > 0 ? strings : undefined;
}
