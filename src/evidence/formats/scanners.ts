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
    eventTime: earliest(runs.flatMap(invocationTimes)),
    metadata: {
      toolName: tools[0]?.name ?? null,
      toolVersion: tools[0]?.version ?? null,
      tools,
      runCount: runs.length,
      resultCount: results.length,
      ruleCount: runs.reduce((n, run) => n + toObjects(rulesOf(run)).length, 0),
      levels: tally(results.map((r) => r.level ?? 'warning')),
    },
    warnings: version === '2.1.0' ? [] : [`unexpected SARIF ${version}`],
  };
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
    eventTime: toTime(report.CreatedAt),
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
      severities: tally(
        [...vulnerabilities, ...misconfigs].map((f) => f.Severity),
      ),
    },
    warnings: [],
  };
}
