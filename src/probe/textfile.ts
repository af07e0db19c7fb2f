import { rename, rm, writeFile } from 'node:fs/promises';
import { ProbeMetrics } from '../telemetry/index.js';
import type { ExportProbeResult } from './export.js';

/** The result of a probe run in the Prometheus text format. */
export async function toTextfile(
  result: ExportProbeResult,
  finishedAt = new Date(),
): Promise<string> {
  const metrics = new ProbeMetrics();
  metrics.success.set(result.ok ? 1 : 0);
  for (const [phase, seconds] of Object.entries(result.phases)) {
    metrics.phaseDuration.set({ phase }, seconds);
  }
  metrics.phaseDuration.set({ phase: 'total' }, result.totalSeconds);
  if (result.bundleBytes !== undefined) {
    metrics.bundleBytes.set(result.bundleBytes);
  }
  metrics.lastRun.set(Math.floor(finishedAt.getTime() / 1000));
  return metrics.registry.metrics();
}

/**
 * Writes the result for node_exporter's textfile collector: to a
 * temporary file beside the target, then renamed over it, so that the
 * collector never reads half a file.
 */
export async function writeTextfile(
  file: string,
  result: ExportProbeResult,
): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, await toTextfile(result), { mode: 0o644 });
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}
