import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { timeApiExports } from './api.js';
import { runBaseline, type BaselineResult } from './baseline.js';
import { assertSucceeded, runMeasured, type RunResult } from './process.js';
import {
  CLI,
  prepareTenant,
  step,
  type IngestedDataset,
  type Product,
} from './product.js';
import { startServer } from './server.js';

/** Submit→completed times of exports made through the API. */
export interface ApiMeasure {
  dataset: IngestedDataset;
  exportMs: number[];
}

/** One CLI export of a large window, beside the shell baseline. */
export interface CliMeasure {
  dataset: IngestedDataset;
  exported: RunResult;
  bundleBytes: number;
  baseline: BaselineResult;
}

/**
 * Starts the server and exports the whole dataset `runs` times through the
 * API, after one untimed export that takes start-up costs out of the figures.
 */
export async function measureApiExports(
  product: Product,
  events: number,
  runs: number,
): Promise<ApiMeasure> {
  const dataset = await prepareTenant(product, 'api', events);
  const token = randomBytes(24).toString('hex');
  const env = { ...product.env, DP_API_TOKENS: `${token}=${dataset.tenantId}` };

  step(`starting the server, ${runs} exports through the API`);
  const server = await startServer(CLI, env);
  try {
    const request = {
      tenantId: dataset.tenantId,
      dateRange: { from: dataset.from, to: dataset.to },
      artifacts: ['audit-events'],
    };
    await timeApiExports(server.baseUrl, token, request, 1);
    const exportMs = await timeApiExports(server.baseUrl, token, request, runs);
    return { dataset, exportMs };
  } finally {
    await server.stop();
  }
}

/** Exports the whole dataset once through the CLI, then runs the baseline. */
export async function measureCliExport(
  product: Product,
  events: number,
): Promise<CliMeasure> {
  const dataset = await prepareTenant(product, 'cli', events);

  step(`exporting ${dataset.events} events through the CLI`);
  const bundle = join(product.workDir, 'export.zip');
  const exported = await runMeasured(
    process.execPath,
    [CLI, 'export', '--tenant', dataset.tenantId, '--from', dataset.from]
      .concat(['--to', dataset.to, '--artifacts', 'audit-events'])
      .concat(['--out', bundle, '--no-progress']),
    { env: product.env, scratchDir: product.workDir },
  );
  assertSucceeded('disclosure-packager export', exported);
  const bundleBytes = (await stat(bundle)).size;
  await rm(bundle, { force: true });

  step('baseline: sha512sum, then zip -1');
  const baseline = await runBaseline(dataset, product.workDir);
  return { dataset, exported, bundleBytes, baseline };
}
