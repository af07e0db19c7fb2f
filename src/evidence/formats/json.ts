import { isCycloneDxJson, readCycloneDxJson } from './cyclonedx.js';
import { isEnvelope, readEnvelopes } from './dsse.js';
import {
  isStatement,
  isSlsaPredicate,
  readSlsaPredicate,
  readStatement,
} from './intoto.js';
import { findPolicyReports, readPolicyReports } from './policyreport.js';
import { isSarif, isTrivyJson, readSarif, readTrivyJson } from './scanners.js';
import { isSigstoreBundle, readSigstoreBundle } from './sigstore.js';
import { isSpdx3, isSpdxJson, readSpdx3, readSpdxJson } from './spdx.js';
import {
  isGcbProvenance,
  isNpmAttestations,
  readGcbProvenance,
  readNpmAttestations,
} from './vendor.js';
import { isCsafVex, isOpenVex, readCsafVex, readOpenVex } from './vex.js';
import {
  collect,
  genericFormatOf,
  readAuditValue,
  type DetectOptions,
} from './events.js';
import { describeJson } from './unknown.js';
import {
  asDocument,
  isObject,
  type Detection,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';

type Reader = [
  test: (value: JsonObject) => boolean,
  read: (value: JsonObject) => DocumentFacts,
];

// Most specific shapes first: a Sigstore bundle also has a mediaType, an
// npm answer holds bundles, a CycloneDX VEX is still a CycloneDX BOM.
const READERS: Reader[] = [
  [isCycloneDxJson, readCycloneDxJson],
  [isSpdxJson, readSpdxJson],
  [isSpdx3, readSpdx3],
  [isSigstoreBundle, readSigstoreBundle],
  [isNpmAttestations, readNpmAttestations],
  [isGcbProvenance, readGcbProvenance],
  [isStatement, readStatement],
  [isEnvelope, (value) => readEnvelopes([value])],
  [isOpenVex, readOpenVex],
  [isCsafVex, readCsafVex],
  [isSarif, readSarif],
  [isTrivyJson, readTrivyJson],
  [isSlsaPredicate, readSlsaPredicate],
];

/**
 * Detects the format of one whole JSON value: audit events first, then
 * each document format, then a reason naming what was seen instead.
 */
export function detectJson(
  value: unknown,
  text: string,
  options: DetectOptions = {},
): Detection {
  if (!isObject(value)) {
    return {
      type: 'unrecognised',
      reason:
        `a JSON ${Array.isArray(value) ? 'array' : typeof value}; ` +
        'every supported JSON format is an object',
    };
  }
  const events = readAuditValue(value, text);
  if (events) return events;
  const reports = findPolicyReports([value]);
  if (reports.length > 0) {
    return asDocument(readPolicyReports(reports, 'application/json'));
  }
  const reader = READERS.find(([test]) => test(value));
  if (reader) return asDocument(reader[1](value));
  const generic = genericFormatOf(value, options);
  if (generic) return collect(generic, [[value, text, 1]]);
  return { type: 'unrecognised', reason: describeJson(value) };
}
