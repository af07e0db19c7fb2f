import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import yauzl, { type ZipFile } from 'yauzl';
import { PackagerError } from '../domain/index.js';
import type { ObjectStore } from '../storage/index.js';
import { Redactor, type RedactorRules } from './redactor.js';
import { detectorsOf, type RedactionPolicy } from './policy.js';
import { openStoredZip, zipEntries } from './zipsource.js';

/** An evidence entry the DLP scan reads, and how. */
export interface DlpTarget {
  path: string;
  /** JSON Lines, read a record at a time (flat memory), else read whole. */
  lines: boolean;
}

/** What the scan found in one entry: counts per detector, never values. */
export interface DlpHit {
  path: string;
  detector: string;
  count: number;
}

/**
 * The entries a policy's DLP scan reads: the audit events, and the
 * documents of the kinds the policy redacts or names under `dlp.kinds`.
 */
export function dlpTargetsOf(
  policy: RedactionPolicy,
  files: readonly { path: string; kind: string }[],
): DlpTarget[] {
  const kinds = new Set<string>([...policy.documents, ...policy.dlp.kinds]);
  return files.flatMap((file): DlpTarget[] => {
    if (file.kind === 'audit-events') return [{ path: file.path, lines: true }];
    return kinds.has(file.kind) ? [{ path: file.path, lines: false }] : [];
  });
}

/**
 * The rules of the DLP scan of a policy: its DLP detectors, each reported
 * (the action is immaterial, nothing is written), and no field rules.
 */
export function dlpRulesOf(policy: RedactionPolicy): RedactorRules {
  const { dlp } = detectorsOf(policy);
  return {
    detectors: Object.fromEntries([...dlp].map((d) => [d, 'mask'])),
    fields: [],
  };
}

/**
 * Scans the named entries of the ZIP stored under `key` with the same
 * detectors (and the same walk through JSON, stringified JSON and percent
 * escapes) that redaction uses, so redacted output scans clean and a value
 * left behind does not.
 */
export async function scanBundle(
  objects: ObjectStore,
  key: string,
  targets: readonly DlpTarget[],
  rules: RedactorRules,
): Promise<DlpHit[]> {
  return scanZip(await openStoredZip(objects, key), targets, rules);
}

/** The same scan of a bundle in a local file (the CLI's export). */
export async function scanBundleFile(
  file: string,
  targets: readonly DlpTarget[],
  rules: RedactorRules,
): Promise<DlpHit[]> {
  const zip = await yauzl.openPromise(file, {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
  });
  return scanZip(zip, targets, rules);
}

/** The error of a bundle the scan refused: counts per file, no values. */
export function toDlpError(
  hits: readonly DlpHit[],
  policy: string,
  outcome: string,
): PackagerError {
  const found = hits.map((h) => `${h.count} ${h.detector} in ${h.path}`);
  return new PackagerError(
    'DP_DLP_HIT',
    `the DLP scan found ${found.join(', ')} that policy ${policy} ` +
      `should have removed; ${outcome}`,
    { details: { hits } },
  );
}

async function scanZip(
  zip: ZipFile,
  targets: readonly DlpTarget[],
  rules: RedactorRules,
): Promise<DlpHit[]> {
  const wanted = new Map(targets.map((t) => [t.path, t]));
  const scanner = new Redactor(rules, randomBytes(32));
  const hits: DlpHit[] = [];
  try {
    for await (const { entry, open } of zipEntries(zip)) {
      const target = wanted.get(entry.fileName);
      if (!target) continue;
      const stream = await open();
      if (target.lines) await scanLines(stream, scanner);
      else scanner.redact(await readText(stream));
      for (const [detector, count] of scanner.takeCounts()) {
        hits.push({ path: target.path, detector, count });
      }
    }
  } finally {
    zip.close();
  }
  return hits;
}

async function scanLines(stream: Readable, scanner: Redactor): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '' || !scanner.mayMatch(line)) continue;
    let parsed: unknown = line;
    try {
      parsed = JSON.parse(line);
    } catch {
      // A line that is not JSON is scanned as text.
    }
    scanner.redact(parsed);
  }
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
