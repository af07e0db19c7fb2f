import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { assembleBundle, type AssembleResult } from '../bundle/index.js';
import type {
  ArtifactKind,
  JobProgress,
  Tenant,
  TimeWindow,
} from '../domain/index.js';
import type { EvidenceStore } from '../evidence/index.js';
import type { Signer } from '../signing/index.js';
import type { ObjectStore } from '../storage/index.js';
import { planSources } from './sources.js';

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
}

export interface ExportOutcome {
  result: AssembleResult;
  counts: Partial<Record<ArtifactKind, number>>;
  missing: { kind: ArtifactKind; reason: string }[];
  warnings: string[];
}

const GENERATOR = readGenerator();

/**
 * Runs one export: plans the sources, then streams them through the bundle
 * assembler into `output`. Progress is reported as entries are written.
 */
export async function runExport(
  deps: ExportDeps,
  request: ExportRequest,
  output: Writable,
  onProgress: (progress: JobProgress) => void = () => undefined,
): Promise<ExportOutcome> {
  const { tenant, window, artifacts } = request;
  onProgress({ stage: 'fetch', itemsDone: 0, itemsTotal: 0, bytesWritten: 0 });
  const plan = await planSources(
    deps.store,
    deps.objects,
    tenant.id,
    window,
    artifacts,
  );
  const itemsTotal = sum(Object.values(plan.totals));
  const warnings = plan.missing.map((m) => `${m.kind}: ${m.reason}`);

  onProgress({ stage: 'assemble', itemsDone: 0, itemsTotal, bytesWritten: 0 });
  const result = await assembleBundle({
    output,
    tenant: { id: tenant.id, name: tenant.name },
    window,
    artifacts,
    job: request.job,
    sources: plan.sources,
    missing: plan.missing,
    warnings,
    signer: deps.signer,
    ...(deps.signedAt && { signedAt: deps.signedAt }),
    generator: GENERATOR,
    onProgress: (p) =>
      onProgress({
        stage: 'assemble',
        itemsDone: plan.itemsDone(),
        itemsTotal,
        bytesWritten: p.bytesWritten,
      }),
  });
  return { result, counts: countsOf(result), missing: plan.missing, warnings };
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

function sum(values: (number | undefined)[]): number {
  return values.reduce<number>((total, n) => total + (n ?? 0), 0);
}

function readGenerator(): { name: string; version: string } {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
  return { name: 'disclosure-packager', version: pkg.version };
}
