import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { assembleBundle, type AssembleResult } from '../bundle/index.js';
import type {
  ArtifactKind,
  JobProgress,
  JobStage,
  KindOutcome,
  Tenant,
  TimeWindow,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import {
  DEFAULT_POLICY,
  Redactor,
  rulesOf,
  type RedactionPolicies,
  type RedactionPolicy,
} from '../redaction/index.js';
import type { Signer } from '../signing/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Failpoints } from './failpoints.js';
import type { Failure } from './failures.js';
import { EvidenceSources, type SourceRetryPolicy } from './sources.js';

export interface ExportRequest {
  tenant: Tenant;
  window: TimeWindow;
  artifacts: ArtifactKind[];
  job: { id: string; requestedBy: string; createdAt: Date };
}

export interface ExportDeps {
  store: EvidenceStore;
  objects: ObjectStore;
  signer: Signer;
  /** When the job took its key (see Keyring.signerForJob). */
  signedAt?: Date;
  /** Each tenant's redaction policy; DEFAULT_POLICY when absent. */
  policies?: RedactionPolicies;
  /**
   * A tenant's jurisdiction tags (its settings), which every file of its
   * bundles carries in the manifest; none when absent.
   */
  jurisdictionsOf?: (tenantId: string) => Promise<readonly string[]>;
}

export interface ExportControl {
  signal?: AbortSignal;
  faults?: Failpoints;
  sourceRetry?: SourceRetryPolicy;
  onProgress?: (progress: JobProgress) => void;
  /** The live per-kind outcomes, once the sources are open. */
  onSources?: (kinds: Partial<Record<ArtifactKind, KindOutcome>>) => void;
  onSourceRetry?: (
    kind: ArtifactKind,
    failure: Failure,
    delayMs: number,
  ) => void;
  /** The key of pseudonyms; a fresh random one per bundle by default. */
  pseudonymKey?: Uint8Array;
}

export interface ExportOutcome {
  result: AssembleResult;
  counts: Partial<Record<ArtifactKind, number>>;
  kinds: Partial<Record<ArtifactKind, KindOutcome>>;
  /** True when a requested kind was omitted: the bundle is partial. */
  partial: boolean;
  warnings: string[];
  /** The redaction policy applied, which the DLP scan checks against. */
  policy: RedactionPolicy;
}

const GENERATOR = readGenerator();

/**
 * Runs one export: opens each kind's source, then streams them through the
 * bundle assembler into `output`. A kind whose source fails after its
 * retries is omitted and the bundle is still made, saying so in its
 * signed manifest. Progress is reported as entries are written.
 */
export async function runExport(
  deps: ExportDeps,
  request: ExportRequest,
  output: Writable,
  control: ExportControl = {},
): Promise<ExportOutcome> {
  const { tenant, window, artifacts } = request;
  let stage: JobStage = 'fetch';
  let kind: ArtifactKind | null = null;
  let bytesWritten = 0;
  const policy = deps.policies?.forTenant(tenant.id) ?? DEFAULT_POLICY;
  // One key per bundle: pseudonyms match within it, never across bundles.
  const key = control.pseudonymKey ?? randomBytes(32);
  const sources = new EvidenceSources({
    store: deps.store,
    objects: deps.objects,
    tenantId: tenant.id,
    window,
    kinds: artifacts,
    jurisdictions: (await deps.jurisdictionsOf?.(tenant.id)) ?? [],
    signal: control.signal,
    faults: control.faults,
    retry: control.sourceRetry,
    onKind: (k) => {
      kind = k;
      report();
    },
    onEvidenceWritten: () => {
      stage = 'assemble';
      report();
    },
    onRetry: control.onSourceRetry,
    redaction: {
      redactor: new Redactor(rulesOf(policy), key),
      documents: new Set(policy.documents),
    },
  });
  const report = () =>
    control.onProgress?.({
      stage,
      kind: stage === 'fetch' ? kind : null,
      itemsDone: sources.itemsDone,
      itemsTotal: sources.itemsExpected,
      bytesWritten,
      bytesExpected: sources.bytesExpected,
    });

  report();
  await sources.open();
  control.onSources?.(sources.outcomes);
  const warnings: string[] = [];
  const result = await assembleBundle({
    output,
    tenant: { id: tenant.id, name: tenant.name },
    window,
    artifacts,
    job: request.job,
    sources: sources.sources(),
    outcomes: () => {
      warnings.push(...warningsOf(sources.outcomes));
      return sources.outcomes;
    },
    warnings,
    signer: deps.signer,
    ...(deps.signedAt && { signedAt: deps.signedAt }),
    generator: GENERATOR,
    redactionPolicy: policy.name,
    onProgress: (p) => {
      bytesWritten = p.bytesWritten;
      report();
    },
    onStage: (next) => {
      stage = next;
      report();
    },
  });
  return {
    result,
    counts: countsOf(result),
    kinds: sources.outcomes,
    partial: sources.omitted().length > 0,
    warnings,
    policy,
  };
}

/** One plain sentence for each kind that is not wholly in the bundle. */
function warningsOf(
  outcomes: Partial<Record<ArtifactKind, KindOutcome>>,
): string[] {
  const warnings: string[] = [];
  for (const [kind, o] of Object.entries(outcomes)) {
    if (o.status === 'omitted') {
      warnings.push(
        `${kind}: omitted after ${o.retries} retries ` +
          `(${o.reason?.code ?? 'unknown'}: ${o.reason?.message ?? ''})`,
      );
    } else if (o.status === 'empty') {
      warnings.push(`${kind}: no ${kind} in the window`);
    } else if (o.exported !== o.expected) {
      warnings.push(
        `${kind}: ${o.expected} counted when the export started, ` +
          `${o.exported} exported (evidence changed meanwhile)`,
      );
    }
  }
  return warnings;
}

function countsOf(
  result: AssembleResult,
): Partial<Record<ArtifactKind, number>> {
  const counts: Partial<Record<ArtifactKind, number>> = {};
  for (const [kind, summary] of Object.entries(result.manifest.summary)) {
    counts[kind as ArtifactKind] = summary.items;
  }
  return counts;
}

function readGenerator(): { name: string; version: string } {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
  return { name: 'disclosure-packager', version: pkg.version };
}
