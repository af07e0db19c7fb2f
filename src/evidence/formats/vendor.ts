import {
  earliest,
  isObject,
  tally,
  pickTime,
  toObjects,
  toText,
  toTime,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';
import { isSigstoreBundle, readSigstoreBundle } from './sigstore.js';
import { isStatement, statementFacts } from './intoto.js';

/** True for the npm registry's attestations answer: Sigstore bundles. */
export function isNpmAttestations(value: JsonObject): boolean {
  const list = toObjects(value.attestations);
  return (
    list.length > 0 &&
    list.every((a) => isObject(a.bundle) && isSigstoreBundle(a.bundle))
  );
}

/** Reads the npm attestations answer (one Sigstore bundle per entry). */
export function readNpmAttestations(value: JsonObject): DocumentFacts {
  const bundles = toObjects(value.attestations).map((a) =>
    readSigstoreBundle(a.bundle as JsonObject),
  );
  return {
    kind: 'attestations',
    format: 'npm-attestations',
    specVersion: null,
    mediaType: 'application/json',
    ...pickTime([
      earliest(bundles.map((b) => b.eventTime)),
      'earliest attestations[].bundle tlogEntries[].integratedTime',
    ]),
    metadata: {
      bundleCount: bundles.length,
      predicateTypes: tally(bundles.map((b) => b.metadata.predicateType)),
      subjects: bundles.flatMap((b) => (b.metadata.subjects as []) ?? []),
    },
    warnings: bundles.flatMap((b) => b.warnings),
  };
}

/** True for `gcloud artifacts docker images describe --show-provenance`. */
export function isGcbProvenance(value: JsonObject): boolean {
  const summary = value.provenance_summary;
  return isObject(summary) && Array.isArray(summary.provenance);
}

/**
 * Reads gcloud's provenance summary: per region, the Statement gcloud
 * decoded (under build.intotoStatement) and the signed DSSE envelope.
 */
export function readGcbProvenance(value: JsonObject): DocumentFacts {
  const summary = value.provenance_summary as JsonObject;
  const entries = toObjects(summary.provenance);
  const statements = entries
    .map((e) => (isObject(e.build) ? e.build.intotoStatement : null))
    .filter((s): s is JsonObject => isObject(s) && isStatement(s));
  const image = isObject(value.image_summary) ? value.image_summary : {};
  return {
    kind: 'attestations',
    format: 'gcb-provenance',
    specVersion: null,
    mediaType: 'application/json',
    ...pickTime([
      earliest(entries.map((e) => toTime(e.createTime))),
      'earliest provenance_summary.provenance[].createTime',
    ]),
    metadata: {
      image: toText(image.fully_qualified_digest),
      provenanceCount: entries.length,
      envelopeCount: entries.filter((e) => isObject(e.envelope)).length,
      ...(statements[0] ? statementFacts(statements[0]) : {}),
    },
    warnings:
      statements.length === 0 ? ['no in-toto statement in the summary'] : [],
  };
}
