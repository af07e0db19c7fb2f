import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { BaselineResult } from './baseline.js';
import type { ApiMeasure, CliMeasure } from './measure.js';

/** The targets the product is held to, as docs/benchmarks.md states them. */
export const TARGETS = Object.freeze({
  apiP95Ms: 1_000,
  cliVsBaseline: 1.5,
  peakRssMb: 256,
});

interface DatasetSize {
  events: number;
  bytes: number;
  ingestMs: number;
}

/** Everything one bench run measured, as written to the results file. */
export interface BenchResults {
  startedAt: string;
  machine: { node: string; platform: string; cpus: number; memoryMb: number };
  api: DatasetSize & {
    runs: number;
    exportMs: number[];
    p50Ms: number;
    p95Ms: number;
  };
  cli: DatasetSize & {
    exportMs: number;
    peakRssMb: number | null;
    bundleBytes: number;
    baseline: BaselineResult;
    vsBaseline: number;
  };
  targets: typeof TARGETS;
  passed: { apiP95: boolean; cliVsBaseline: boolean; peakRss: boolean };
}

/** The nearest-rank percentile (p in 0-100) of a non-empty sample. */
/** The machine a benchmark ran on, as results record it. */
export function machineOf(): BenchResults['machine'] {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    memoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Puts both measurements together and judges them against the targets. */
export function toResults(
  startedAt: Date,
  api: ApiMeasure,
  cli: CliMeasure,
): BenchResults {
  const p95Ms = percentile(api.exportMs, 95);
  const vsBaseline = cli.exported.wallMs / cli.baseline.totalMs;
  const rss = cli.exported.peakRssMb;
  return {
    startedAt: startedAt.toISOString(),
    machine: machineOf(),
    api: {
      ...sizeOf(api.dataset),
      runs: api.exportMs.length,
      exportMs: api.exportMs,
      p50Ms: percentile(api.exportMs, 50),
      p95Ms,
    },
    cli: {
      ...sizeOf(cli.dataset),
      exportMs: cli.exported.wallMs,
      peakRssMb: rss,
      bundleBytes: cli.bundleBytes,
      baseline: cli.baseline,
      vsBaseline,
    },
    targets: TARGETS,
    passed: {
      apiP95: p95Ms < TARGETS.apiP95Ms,
      cliVsBaseline: vsBaseline <= TARGETS.cliVsBaseline,
      peakRss: rss !== null && rss < TARGETS.peakRssMb,
    },
  };
}

/** Writes the results as pretty JSON, creating the folder if needed. */
export async function writeResults(
  file: string,
  results: BenchResults,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

function sizeOf({ events, bytes, ingestMs }: DatasetSize): DatasetSize {
  return { events, bytes, ingestMs };
}
