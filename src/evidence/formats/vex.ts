import {
  isObject,
  tally,
  toObjects,
  toText,
  pickTime,
  toTime,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';

const OPENVEX_CONTEXT = /^https:\/\/openvex\.dev\/ns(?:\/v(\d+\.\d+\.\d+))?$/;

/** True for an OpenVEX document, legacy or current, by its @context. */
export function isOpenVex(value: JsonObject): boolean {
  return (
    typeof value['@context'] === 'string' &&
    OPENVEX_CONTEXT.test(value['@context']) &&
    Array.isArray(value.statements)
  );
}

/**
 * Reads OpenVEX. Documents before v0.2.0 used a context with no version;
 * those are read as 0.0.1 and warned on. Vulnerabilities were plain
 * strings then and are objects with a name since v0.2.0.
 */
export function readOpenVex(doc: JsonObject): DocumentFacts {
  const version = OPENVEX_CONTEXT.exec(String(doc['@context']))?.[1];
  const statements = toObjects(doc.statements);
  const warnings: string[] = [];
  if (!version) warnings.push('legacy OpenVEX context; read as v0.0.1');
  if (statements.length === 0) warnings.push('the document has no statement');
  return {
    kind: 'attestations',
    format: 'openvex',
    specVersion: version ?? '0.0.1',
    mediaType: 'application/json',
    ...pickTime(
      [toTime(doc.timestamp), 'timestamp'],
      [latestStatementTime(doc), 'latest statements[].timestamp'],
    ),
    metadata: {
      id: toText(doc['@id']),
      author: toText(doc.author),
      documentVersion: typeof doc.version === 'number' ? doc.version : null,
      statementCount: statements.length,
      statuses: tally(statements.map((s) => s.status)),
      vulnerabilities: [...new Set(statements.map(vulnerabilityOf))],
    },
    warnings,
  };
}

function vulnerabilityOf(statement: JsonObject): string | null {
  const v = statement.vulnerability;
  return isObject(v) ? toText(v.name) : toText(v);
}

/** True for a CSAF 2.x document of the VEX profile. */
export function isCsafVex(value: JsonObject): boolean {
  const doc = value.document;
  return isObject(doc) && doc.category === 'csaf_vex' && 'csaf_version' in doc;
}

/** Reads a CSAF VEX document; its time is the current release date. */
export function readCsafVex(value: JsonObject): DocumentFacts {
  const doc = value.document as JsonObject;
  const tracking = isObject(doc.tracking) ? doc.tracking : {};
  const vulnerabilities = toObjects(value.vulnerabilities);
  return {
    kind: 'attestations',
    format: 'csaf-vex',
    specVersion: toText(doc.csaf_version),
    mediaType: 'application/json',
    ...pickTime(
      [
        toTime(tracking.current_release_date),
        'document.tracking.current_release_date',
      ],
      [
        toTime(tracking.initial_release_date),
        'document.tracking.initial_release_date',
      ],
    ),
    metadata: {
      id: toText(tracking.id),
      title: toText(doc.title),
      publisher: isObject(doc.publisher) ? toText(doc.publisher.name) : null,
      vulnerabilityCount: vulnerabilities.length,
      cves: vulnerabilities.map((v) => toText(v.cve)),
      statuses: csafStatuses(vulnerabilities),
    },
    warnings: [],
  };
}

// OpenVEX 0.0.1 may date only its statements; the latest is when the
// document last changed.
function latestStatementTime(doc: JsonObject): Date | null {
  const times = toObjects(doc.statements)
    .map((s) => toTime(s.timestamp))
    .filter((t): t is Date => t !== null);
  return times.reduce<Date | null>(
    (latest, t) => (!latest || t.getTime() > latest.getTime() ? t : latest),
    null,
  );
}

/**
 * How many products each CSAF product_status names, over all
 * vulnerabilities (CSAF 2.0 §3.2.3.9: known_not_affected, fixed, ...):
 * the statements of a CSAF VEX and their statuses.
 */
function csafStatuses(vulnerabilities: JsonObject[]): Record<string, number> {
  const statuses: Record<string, number> = {};
  for (const v of vulnerabilities) {
    const status = isObject(v.product_status) ? v.product_status : {};
    for (const [name, products] of Object.entries(status)) {
      const count = Array.isArray(products) ? products.length : 0;
      statuses[name] = (statuses[name] ?? 0) + count;
    }
  }
  return statuses;
}
