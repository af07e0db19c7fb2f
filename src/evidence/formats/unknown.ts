import { isObject, type JsonObject } from './shared.js';

// Formats we can name but do not ingest yet, told apart by fields their
// specs require. Naming them turns "unknown" into a clearer refusal.
const KNOWN_UNSUPPORTED: [name: string, test: (v: JsonObject) => boolean][] = [
  [
    'a CSAF document other than a VEX',
    (v) => isObject(v.document) && 'csaf_version' in v.document,
  ],
];

const SUPPORTED =
  'supported JSON formats: CycloneDX, SPDX, in-toto, DSSE, Sigstore, ' +
  'OpenVEX, CSAF VEX, policy reports, SARIF, Trivy, Kubernetes audit ' +
  'events, CloudTrail, GCP Cloud Audit Logs, Azure Activity Log, ' +
  'Microsoft 365 audit records, and JSON Lines given a generic mapping ' +
  '(DP_GENERIC_AUDIT_FIELDS)';

function keysOf(value: JsonObject): string {
  const keys = Object.keys(value);
  const shown = keys.slice(0, 6).map((k) => JSON.stringify(k));
  return shown.join(', ') + (keys.length > 6 ? ', …' : '');
}

/** Names what a record is, for a reason that helps the reader. */
export function describeRecord(record: JsonObject): string {
  const known = KNOWN_UNSUPPORTED.find(([, test]) => test(record));
  if (known) return `${known[0]}, which are not supported yet`;
  return `records in no supported format (fields ${keysOf(record)})`;
}

/**
 * Says why a JSON object matched no format, naming the field that went
 * wrong where one is telling: `{"kind": 0}` has a kind that is no name.
 */
export function describeJson(value: JsonObject): string {
  if ('kind' in value && typeof value.kind !== 'string') {
    return (
      `JSON whose "kind" is ${JSON.stringify(value.kind)}, not a string ` +
      'naming a resource type such as a Kubernetes audit "Event"; ' +
      'no supported format matches'
    );
  }
  if (value.kind === 'Event' && !('auditID' in value)) {
    return 'a Kubernetes Event with no auditID: not an audit event';
  }
  if (Object.keys(value).length === 0) return 'an empty JSON object';
  const known = KNOWN_UNSUPPORTED.find(([, test]) => test(value));
  if (known) return `${known[0]}, which are not supported yet`;
  return `JSON in no supported format (fields ${keysOf(value)}; ${SUPPORTED})`;
}
