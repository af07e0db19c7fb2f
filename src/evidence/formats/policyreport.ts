import {
  earliest,
  isObject,
  tally,
  toObjects,
  toText,
  toTime,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';

// The wg-policy API groups: the original one and its successor.
const GROUPS = /^(wgpolicyk8s\.io|reports\.x-k8s\.io)\/v\w+$/;
const KINDS = ['PolicyReport', 'ClusterPolicyReport'];
const OUTCOMES = ['pass', 'fail', 'warn', 'error', 'skip'] as const;

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
  const counted = tally(results.map((r) => r.result));
  const apiVersions = [...new Set(reports.map((r) => String(r.apiVersion)))];
  return {
    kind: 'policy-reports',
    format: 'policy-report',
    specVersion: apiVersions[0] ?? null,
    mediaType,
    eventTime: reportTime(reports, results),
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

// The report's creation time; failing that, its earliest result time.
function reportTime(reports: JsonObject[], results: JsonObject[]) {
  const created = earliest(
    reports.map((r) =>
      isObject(r.metadata) ? toTime(r.metadata.creationTimestamp) : null,
    ),
  );
  if (created) return created;
  return earliest(
    results.map((r) => {
      const seconds = isObject(r.timestamp) ? Number(r.timestamp.seconds) : 0;
      return seconds > 0 ? new Date(seconds * 1000) : null;
    }),
  );
}
