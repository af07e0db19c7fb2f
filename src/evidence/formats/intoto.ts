import {
  isObject,
  pickTime,
  toObjects,
  toText,
  toTime,
  tryParseJson,
  type DocumentFacts,
  type JsonObject,
  type TimeRule,
} from './shared.js';

// The in-toto Statement layer versions (in-toto attestation spec, v0.1, v1).
const STATEMENT_TYPES: Record<string, string> = {
  'https://in-toto.io/Statement/v0.1': '0.1',
  'https://in-toto.io/Statement/v1': '1',
};
export const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';
// Subjects kept in metadata; the full list stays in the document itself.
const SUBJECT_LIMIT = 100;

/** True for an in-toto Statement of a known version. */
export function isStatement(value: JsonObject): boolean {
  return typeof value._type === 'string' && value._type in STATEMENT_TYPES;
}

/** The version named by a Statement's _type, such as '0.1' or '1'. */
export function statementVersion(value: JsonObject): string | null {
  return STATEMENT_TYPES[String(value._type)] ?? null;
}

/**
 * The facts worth indexing from a Statement: its subjects with their
 * digests, its predicate type, and for SLSA provenance the builder id and
 * build type, which sit in different places in SLSA v0.1/v0.2 and v1.
 */
export function statementFacts(statement: JsonObject): JsonObject {
  const subjects = toObjects(statement.subject);
  const predicate = predicateOf(statement);
  return {
    statementType: toText(statement._type),
    predicateType: toText(statement.predicateType),
    subjectCount: subjects.length,
    subjects: subjects.slice(0, SUBJECT_LIMIT).map((s) => ({
      name: toText(s.name),
      digest: isObject(s.digest) ? s.digest : {},
    })),
    builderId: builderIdOf(predicate),
    buildType: buildTypeOf(predicate),
    ...(isSlsa(statement) ? materialsOf(predicate) : {}),
  };
}

// SLSA provenance by its predicate type, or gcloud's rendering of it.
function isSlsa(statement: JsonObject): boolean {
  const type = toText(statement.predicateType) ?? '';
  return (
    type.startsWith('https://slsa.dev/provenance/') ||
    isObject(statement.slsaProvenance)
  );
}

/**
 * When the build ran, as the SLSA predicate states it, if it does: the
 * finish time, else the start time (v1 runDetails.metadata; v0.1/v0.2
 * metadata), with the rule that chose it.
 */
export function statementTime(statement: JsonObject): TimeRule {
  const predicate = predicateOf(statement);
  const run = pick(predicate, 'runDetails', 'metadata');
  const legacy = pick(predicate, 'metadata');
  const picked = pickTime(
    [toTime(run?.finishedOn), 'predicate.runDetails.metadata.finishedOn'],
    [toTime(run?.startedOn), 'predicate.runDetails.metadata.startedOn'],
    [toTime(legacy?.buildFinishedOn), 'predicate.metadata.buildFinishedOn'],
    [toTime(legacy?.buildStartedOn), 'predicate.metadata.buildStartedOn'],
  );
  return [picked.eventTime, picked.eventTimeRule ?? 'none'];
}

/**
 * The materials (SLSA v0.1/v0.2) or resolved dependencies (SLSA v1) the
 * build read, first few with their digests, and how many there are.
 */
function materialsOf(predicate: JsonObject): JsonObject {
  const v1 = pick(predicate, 'buildDefinition');
  const list = toObjects(v1 ? v1.resolvedDependencies : predicate.materials);
  return {
    materialCount: list.length,
    materials: list.slice(0, SUBJECT_LIMIT).map((m) => ({
      uri: toText(m.uri) ?? toText(m.name),
      digest: isObject(m.digest) ? m.digest : {},
    })),
  };
}

// gcloud renders the predicate under slsaProvenance instead of predicate.
function predicateOf(statement: JsonObject): JsonObject {
  const predicate = statement.predicate ?? statement.slsaProvenance;
  return isObject(predicate) ? predicate : {};
}

function pick(value: JsonObject, ...keys: string[]): JsonObject | null {
  let current: unknown = value;
  for (const key of keys) {
    current = isObject(current) ? current[key] : undefined;
  }
  return isObject(current) ? current : null;
}

function builderIdOf(predicate: JsonObject): string | null {
  return (
    toText(pick(predicate, 'runDetails', 'builder')?.id) ??
    toText(pick(predicate, 'builder')?.id)
  );
}

function buildTypeOf(predicate: JsonObject): string | null {
  return (
    toText(pick(predicate, 'buildDefinition')?.buildType) ??
    toText(predicate.buildType) ??
    toText(pick(predicate, 'recipe')?.type)
  );
}

/** Reads a bare (unsigned) in-toto Statement. */
export function readStatement(statement: JsonObject): DocumentFacts {
  const warnings =
    toObjects(statement.subject).length === 0
      ? ['the statement names no subject']
      : [];
  return {
    kind: 'attestations',
    format: 'in-toto-statement',
    specVersion: statementVersion(statement),
    mediaType: IN_TOTO_PAYLOAD,
    ...pickTime(statementTime(statement)),
    metadata: statementFacts(statement),
    warnings,
  };
}

/**
 * True for a bare SLSA provenance predicate: no Statement around it, so
 * no subject. Recognised because generators publish it on its own.
 */
export function isSlsaPredicate(value: JsonObject): boolean {
  const v02 = isObject(value.builder) && typeof value.buildType === 'string';
  const v1 = isObject(value.buildDefinition) && isObject(value.runDetails);
  return v02 || v1;
}

/** Reads a bare SLSA provenance predicate (v0.2 or v1 by its shape). */
export function readSlsaPredicate(predicate: JsonObject): DocumentFacts {
  const statement = { predicate };
  const facts = statementFacts(statement);
  const materials = materialsOf(predicate);
  return {
    kind: 'attestations',
    format: 'slsa-predicate',
    specVersion: isObject(predicate.buildDefinition) ? '1' : '0.2',
    mediaType: 'application/json',
    ...pickTime(statementTime(statement)),
    metadata: {
      builderId: facts.builderId,
      buildType: facts.buildType,
      ...materials,
    },
    warnings: [
      'a bare SLSA predicate: no in-toto statement, so no subject ' +
        'and no signature',
    ],
  };
}

/** Decodes a DSSE payload into a Statement when it claims to be one. */
export function decodeStatement(envelope: JsonObject): JsonObject | null {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD) return null;
  if (typeof envelope.payload !== 'string') return null;
  const text = Buffer.from(envelope.payload, 'base64').toString('utf8');
  const statement = tryParseJson(text);
  return isObject(statement) ? statement : null;
}
