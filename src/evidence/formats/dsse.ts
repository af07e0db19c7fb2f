import {
  earliestRule,
  tally,
  toObjects,
  toText,
  type DocumentFacts,
  type JsonObject,
  type TimeRule,
} from './shared.js';
import { decodeStatement, statementFacts, statementTime } from './intoto.js';

/** True for a DSSE envelope (DSSE protocol v1: payloadType + payload). */
export function isEnvelope(value: JsonObject): boolean {
  return (
    typeof value.payloadType === 'string' &&
    typeof value.payload === 'string' &&
    Array.isArray(value.signatures)
  );
}

/**
 * The facts of one envelope: its payload type and signature count, and
 * when it carries an in-toto Statement, that Statement's facts.
 */
export function envelopeFacts(envelope: JsonObject): {
  facts: JsonObject;
  time: TimeRule;
  warnings: string[];
} {
  const statement = decodeStatement(envelope);
  const base = {
    payloadType: toText(envelope.payloadType),
    signatureCount: toObjects(envelope.signatures).length,
  };
  if (!statement) {
    const warnings =
      envelope.payloadType === 'application/vnd.in-toto+json'
        ? ['the envelope payload does not decode to a JSON statement']
        : [];
    return { facts: base, time: [null, 'none'], warnings };
  }
  return {
    facts: { ...base, ...statementFacts(statement) },
    time: statementTime(statement),
    warnings: [],
  };
}

/**
 * Reads one or more DSSE envelopes from one file (`.intoto.jsonl` puts
 * one per line). The first envelope's facts are kept whole; the others
 * add their subject count and predicate type to the totals.
 */
export function readEnvelopes(envelopes: JsonObject[]): DocumentFacts {
  const read = envelopes.map(envelopeFacts);
  const first = read[0]?.facts ?? {};
  const subjects = read.reduce(
    (sum, r) => sum + (Number(r.facts.subjectCount) || 0),
    0,
  );
  return {
    kind: 'attestations',
    format: 'dsse-envelope',
    specVersion: '1',
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    ...earliestRule(read.map((r) => r.time)),
    metadata: {
      ...first,
      envelopeCount: envelopes.length,
      totalSubjectCount: subjects,
      predicateTypes: tally(read.map((r) => r.facts.predicateType)),
    },
    warnings: read.flatMap((r) => r.warnings),
  };
}
