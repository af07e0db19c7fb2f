import { emptySummary, type Outcome } from './outcomes.js';
import {
  earliestRule,
  pickTime,
  isObject,
  tally,
  toObjects,
  toText,
  toTime,
  type DocumentFacts,
  type JsonObject,
  type TimeRule,
} from './shared.js';
import { countOnly, keepOnly, type Outline } from './outline.js';

/**
 * What the SARIF and Trivy readers take from each result, rule and
 * finding; a Trivy package list is not read.
 */
export const SCANNER_OUTLINE: Outline = {
  formats: ['sarif', 'trivy-json'],
  rules: {
    'runs.*.results.*': keepOnly('kind', 'level', 'ruleId'),
    'runs.*.tool.driver.rules.*': keepOnly('id', 'defaultConfiguration'),
    'Results.*.Vulnerabilities.*': keepOnly('Severity'),
    'Results.*.Misconfigurations.*': keepOnly('Severity', 'AVDID', 'ID'),
    'Results.*.Packages.*': countOnly,
  },
};

/** True for a SARIF log (OASIS SARIF 2.1.0 §3.13: version and runs). */
export function isSarif(value: JsonObject): boolean {
  return typeof value.version === 'string' && Array.isArray(value.runs);
}

/** Reads a SARIF log: tools, results and rules, summed over the runs. */
export function readSarif(log: JsonObject): DocumentFacts {
  const runs = toObjects(log.runs);
  const tools = runs.map(driverOf);
  const results = runs.flatMap((run) => toObjects(run.results));
  const version = String(log.version);
  return {
    kind: 'policy-reports',
    format: 'sarif',
    specVersion: version,
    mediaType: 'application/sarif+json',
    ...earliestRule(
      runs
        .flatMap(invocationTimes)
        .map((t): TimeRule => [
          t,
          'earliest runs[].invocations[].startTimeUtc (else endTimeUtc)',
        ]),
    ),
    metadata: {
      toolName: tools[0]?.name ?? null,
      toolVersion: tools[0]?.version ?? null,
      tools,
      runCount: runs.length,
      resultCount: results.length,
      ruleCount: runs.reduce((n, run) => n + toObjects(rulesOf(run)).length, 0),
      levels: tally(results.map((r) => r.level ?? 'warning')),
      summary: sarifSummary(runs),
      policies: [...new Set(results.map((r) => toText(r.ruleId)))]
        .filter((id): id is string => id !== null)
        .slice(0, POLICY_LIMIT),
      policyVersions: tools
        .filter((t) => t.name)
        .map((t) => (t.version ? `${t.name}@${t.version}` : String(t.name))),
    },
    warnings: version === '2.1.0' ? [] : [`unexpected SARIF ${version}`],
  };
}

// Rule ids kept in metadata; the report itself keeps them all.
const POLICY_LIMIT = 100;

/**
 * SARIF results as the five outcomes policy reports use (SARIF 2.1.0
 * §3.27.9 kind, §3.27.10 level): kind pass is pass; notApplicable and
 * informational are skip; review and open are warn; a failure (the
 * default kind) is fail at level error, warn at warning or note, skip at
 * none. Tool execution notifications at level error count as error.
 */
function sarifSummary(runs: JsonObject[]): Record<Outcome, number> {
  const summary = emptySummary();
  for (const run of runs) {
    for (const result of toObjects(run.results)) {
      summary[sarifOutcome(result, defaultLevels(run))] += 1;
    }
    for (const invocation of toObjects(run.invocations)) {
      const notes = toObjects(invocation.toolExecutionNotifications);
      summary.error += notes.filter((n) => n.level === 'error').length;
    }
  }
  return summary;
}

function sarifOutcome(
  result: JsonObject,
  levels: Map<string, string>,
): Outcome {
  const kind = toText(result.kind) ?? 'fail';
  if (kind === 'pass') return 'pass';
  if (kind === 'notApplicable' || kind === 'informational') return 'skip';
  if (kind !== 'fail') return 'warn';
  const level =
    toText(result.level) ?? levels.get(String(result.ruleId)) ?? 'warning';
  if (level === 'error') return 'fail';
  return level === 'none' ? 'skip' : 'warn';
}

// A result without a level takes its rule's defaultConfiguration.level.
function defaultLevels(run: JsonObject): Map<string, string> {
  const levels = new Map<string, string>();
  for (const rule of toObjects(rulesOf(run))) {
    const config = isObject(rule.defaultConfiguration)
      ? rule.defaultConfiguration
      : {};
    const level = toText(config.level);
    const id = toText(rule.id);
    if (id && level) levels.set(id, level);
  }
  return levels;
}

function driverOf(run: JsonObject) {
  const tool = isObject(run.tool) ? run.tool : {};
  const driver = isObject(tool.driver) ? tool.driver : {};
  return {
    name: toText(driver.name),
    version: toText(driver.version) ?? toText(driver.semanticVersion),
  };
}

function rulesOf(run: JsonObject): unknown {
  const tool = isObject(run.tool) ? run.tool : {};
  return isObject(tool.driver) ? tool.driver.rules : [];
}

function invocationTimes(run: JsonObject): (Date | null)[] {
  return toObjects(run.invocations).map((i) =>
    toTime(i.startTimeUtc ?? i.endTimeUtc),
  );
}

// The scanner's version, and the scanner version the report names.
function trivyVersions(report: JsonObject): string[] {
  const trivy = isObject(report.Trivy) ? toText(report.Trivy.Version) : null;
  return trivy ? [`trivy@${trivy}`] : [];
}

/** True for a Trivy JSON report of schema version 2. */
export function isTrivyJson(value: JsonObject): boolean {
  return value.SchemaVersion === 2 && 'ArtifactName' in value;
}

/** Reads a Trivy JSON report; its time is CreatedAt. */
export function readTrivyJson(report: JsonObject): DocumentFacts {
  const targets = toObjects(report.Results);
  const vulnerabilities = targets.flatMap((t) => toObjects(t.Vulnerabilities));
  const misconfigs = targets.flatMap((t) => toObjects(t.Misconfigurations));
  const summaries = targets.map((t) =>
    isObject(t.MisconfSummary) ? t.MisconfSummary : {},
  );
  const sum = (key: string) =>
    summaries.reduce((n, s) => n + (Number(s[key]) || 0), 0);
  return {
    kind: 'policy-reports',
    format: 'trivy-json',
    specVersion: '2',
    mediaType: 'application/json',
    ...pickTime([toTime(report.CreatedAt), 'CreatedAt']),
    metadata: {
      artifactName: toText(report.ArtifactName),
      artifactType: toText(report.ArtifactType),
      targetCount: targets.length,
      vulnerabilityCount: vulnerabilities.length,
      misconfigurationCount: misconfigs.length,
      misconfSummary: {
        successes: sum('Successes'),
        failures: sum('Failures'),
      },
      // Trivy counts passed checks (Successes) without listing them.
      summary: {
        ...emptySummary(),
        pass: sum('Successes'),
        fail: sum('Failures'),
        skip: sum('Exceptions'),
      },
      policies: [
        ...new Set(misconfigs.map((m) => toText(m.AVDID) ?? toText(m.ID))),
      ].filter((id): id is string => id !== null),
      policyVersions: trivyVersions(report),
      severities: tally(
        [...vulnerabilities, ...misconfigs].map((f) => f.Severity),
      ),
    },
    warnings: [],
  };
}
