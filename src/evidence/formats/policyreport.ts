import { OUTCOMES } from './outcomes.js';
import {
  earliest,
  isObject,
  tally,
  toObjects,
  toText,
  pickTime,
  toTime,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';

// The wg-policy API groups: the original one and its successor.
const GROUPS = /^(wgpolicyk8s\.io|reports\.x-k8s\.io)\/v\w+$/;
const KINDS = ['PolicyReport', 'ClusterPolicyReport'];

function isReport(value: unknown): value is JsonObject {
  return (
    isObject(value) &&
    KINDS.includes(String(value.kind)) &&
    GROUPS.test(String(value.apiVersion))
  );
}

/**
 * The policy reports among parsed documents, looking inside kubectl
 * `List` wrappers; an empty answer means these are not policy reports.
 */
export function findPolicyReports(documents: unknown[]): JsonObject[] {
  return documents.flatMap((doc) => {
    if (isObject(doc) && doc.kind === 'List') {
      return toObjects(doc.items).filter(isReport);
    }
    return isReport(doc) ? [doc] : [];
  });
}

/**
 * Reads one or more policy reports from one file. The summary is the sum
 * of what the reports state; the results are also counted, and a
 * mismatch is warned on rather than corrected.
 */
export function readPolicyReports(
  reports: JsonObject[],
  mediaType: string,
): DocumentFacts {
  const results = reports.flatMap((r) => toObjects(r.results));
  const summary = sumSummaries(reports);
  // Early v1alpha1 reports named the outcome `status`.
  const counted = tally(results.map((r) => r.result ?? r.status));
  const apiVersions = [...new Set(reports.map((r) => String(r.apiVersion)))];
  return {
    kind: 'policy-reports',
    format: 'policy-report',
    specVersion: apiVersions[0] ?? null,
    mediaType,
    ...reportTime(reports, results),
    metadata: {
      reportCount: reports.length,
      reportKinds: tally(reports.map((r) => r.kind)),
      apiVersions,
      summary,
      resultCount: results.length,
      resultCounts: counted,
      policies: [
        ...new Set(results.map((r) => toText(r.policy)).filter(Boolean)),
      ],
      sources: [
        ...new Set(
          [...reports, ...results].map((r) => toText(r.source)).filter(Boolean),
        ),
      ],
      policyVersions: policyVersions(results),
    },
    warnings: summaryWarnings(summary, counted),
  };
}

function sumSummaries(reports: JsonObject[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const outcome of OUTCOMES) total[outcome] = 0;
  for (const report of reports) {
    const summary = isObject(report.summary) ? report.summary : {};
    for (const outcome of OUTCOMES) {
      total[outcome] = (total[outcome] ?? 0) + (Number(summary[outcome]) || 0);
    }
  }
  return total;
}

function summaryWarnings(
  summary: Record<string, number>,
  counted: Record<string, number>,
): string[] {
  const differ = OUTCOMES.filter(
    (o) => (summary[o] ?? 0) !== (counted[o] ?? 0),
  );
  if (differ.length === 0) return [];
  const detail = differ
    .map((o) => `${o} ${summary[o] ?? 0} stated, ${counted[o] ?? 0} listed`)
    .join('; ');
  return [`summary disagrees with the results (${detail})`];
}

/**
 * The versions of the policies results were checked against, where the
 * report states them: PolicyReport has no field for it, so engines put
 * it in a result's properties (`policy-version` or `version`).
 */
function policyVersions(results: JsonObject[]): string[] {
  const versions = new Set<string>();
  for (const result of results) {
    const props = isObject(result.properties) ? result.properties : {};
    const version = toText(props['policy-version']) ?? toText(props.version);
    const policy = toText(result.policy);
    if (policy && version) versions.add(`${policy}@${version}`);
  }
  return [...versions];
}

// The report's creation time; failing that, its earliest result time.
function reportTime(reports: JsonObject[], results: JsonObject[]) {
  return pickTime(
    [
      earliest(
        reports.map((r) =>
          isObject(r.metadata) ? toTime(r.metadata.creationTimestamp) : null,
        ),
      ),
      'earliest metadata.creationTimestamp',
    ],
    [
      earliest(results.map((r) => resultTime(r.timestamp))),
      'earliest results[].timestamp',
    ],
  );
}

// A protobuf Timestamp: seconds and nanos since the Unix epoch.
function resultTime(value: unknown): Date | null {
  if (!isObject(value)) return null;
  const seconds = Number(value.seconds);
  if (!Number.isInteger(seconds) || seconds <= 0) return null;
  const nanos = Number(value.nanos) || 0;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = nanos > 0 ? `.${String(nanos).padStart(9, '0')}` : '';
  return toTime(`${iso}${fraction}Z`);
}
