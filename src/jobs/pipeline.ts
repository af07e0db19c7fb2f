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
import type { Connectors } from '../sources/index.js';
import type { StageTrace } from '../telemetry/index.js';
import type { Span } from '@opentelemetry/api';
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
  /** Customers' evidence services (DP_CONNECTORS_FILE); none when absent. */
  connectors?: Connectors;
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
  /** A source call failed, whether or not it will be retried. */
  onSourceError?: (kind: ArtifactKind, failure: Failure) => void;
  onSourceRetry?: (
    kind: ArtifactKind,
    failure: Failure,
    delayMs: number,
  ) => void;
  /** The key of pseudonyms; a fresh random one per bundle by default. */
  pseudonymKey?: Uint8Array;
  /** Spans for the stages, under the attempt's span. */
  trace?: StageTrace;
}

export interface ExportOutcome {
  result: AssembleResult;
  counts: Partial<Record<ArtifactKind, number>>;
  kinds: Partial<Record<ArtifactKind, KindOutcome>>;
  /** True when a requested kind was omitted: the bundle is partial. */
  partial: boolean;
  /**
   * Bytes written into the bundle's entries before compression: the
   * measure of JobProgress.bytesWritten, to its end.
   */
  bytesWritten: number;
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
  const redactor = new TimedRedactor(rulesOf(policy), key);
  const stages = stageSpans(control.trace, redactor, policy);
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
      stages.kind(k);
      report();
    },
    onEvidenceWritten: () => {
      stage = 'assemble';
      stages.kindsDone();
      report();
    },
    onError: control.onSourceError,
    onRetry: control.onSourceRetry,
    redaction: {
      redactor,
      documents: new Set(policy.documents),
    },
    connectors: (k) =>
      deps.connectors?.sourcesFor(tenant.id, k, {
        signal: control.signal,
        onRetry: (message, delayMs) => {
          const outcome = sources.outcomes[k];
          if (outcome) outcome.retries += 1;
          const error = { code: 'DP_SOURCE_UNAVAILABLE', message };
          control.onSourceRetry?.(k, { error, transient: true }, delayMs);
        },
      }) ?? [],
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
  control.trace?.enter('count', { 'dp.artifact_kinds': artifacts });
  try {
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
        control.trace?.enter(next);
        report();
      },
    });
    return {
      result,
      counts: countsOf(result),
      kinds: sources.outcomes,
      partial: sources.omitted().length > 0,
      bytesWritten,
      warnings,
      policy,
    };
  } finally {
    // What connectors pulled to disk goes, whatever became of the bundle.
    await sources.close();
  }
}

/**
 * A redactor that keeps how long it spent redacting and how many values
 * it changed, for the `redact` spans. Redaction is streamed inside each
 * kind's fetch, so its span overlaps the fetch and its own busy time is
 * an attribute.
 */
class TimedRedactor extends Redactor {
  busyNs = 0n;
  changed = 0;
  private depth = 0;

  override redact(value: unknown, keys: readonly string[] = []): unknown {
    // Only the outermost call is timed: redact recurses into objects.
    if (this.depth > 0) return super.redact(value, keys);
    const started = process.hrtime.bigint();
    this.depth += 1;
    try {
      const next = super.redact(value, keys);
      if (next !== value) this.changed += 1;
      return next;
    } finally {
      this.depth -= 1;
      this.busyNs += process.hrtime.bigint() - started;
    }
  }

  /** Busy time and changed values since the last call. */
  take(): { busyMs: number; changed: number } {
    const taken = {
      busyMs: Number(this.busyNs / 1000n) / 1000,
      changed: this.changed,
    };
    this.busyNs = 0n;
    this.changed = 0;
    return taken;
  }
}

/** Fetch and redact spans per kind, driven by the sources' callbacks. */
function stageSpans(
  trace: StageTrace | undefined,
  redactor: TimedRedactor,
  policy: RedactionPolicy,
) {
  let redacting: Span | undefined;
  const endRedact = () => {
    if (!redacting) return;
    const { busyMs, changed } = redactor.take();
    redacting.setAttributes({
      'dp.redact.busy_ms': busyMs,
      'dp.redact.values_changed': changed,
    });
    redacting.end();
    redacting = undefined;
  };
  return {
    kind(kind: ArtifactKind) {
      endRedact();
      redactor.take();
      if (!trace) return;
      trace.enter('fetch', { 'dp.artifact_kind': kind });
      if (kind === 'audit-events' || policy.documents.includes(kind)) {
        redacting = trace.child('redact', {
          'dp.artifact_kind': kind,
          'dp.redaction_policy': policy.name,
        });
      }
    },
    kindsDone: endRedact,
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
