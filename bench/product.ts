import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeAuditDataset, type Dataset } from './generate.js';
import { assertSucceeded, run, type RunResult } from './process.js';

/** The repository root, where the product is built and run from. */
export const ROOT = resolve(import.meta.dirname, '..');

/** The product's own command, as an operator runs it after a build. */
export const CLI = join(ROOT, 'bin', 'disclosure-packager.js');

/** The product under test: its environment and this run's scratch folder. */
export interface Product {
  workDir: string;
  env: NodeJS.ProcessEnv;
  /** Keeps tenant ids fresh when DATABASE_URL points at a kept database. */
  runId: string;
}

/** A dataset that has been ingested, and how long the ingest took. */
export type IngestedDataset = Dataset & { tenantId: string; ingestMs: number };

/** The product configured to keep its data under `workDir`. */
export function productIn(workDir: string): Product {
  return {
    workDir,
    runId: Date.now().toString(36),
    env: {
      ...process.env,
      // Embedded PGlite in a fresh folder, unless DATABASE_URL is set.
      DP_DATA_DIR: join(workDir, 'data'),
      DP_SEED_DEMO: 'false',
      DP_LOG_LEVEL: process.env.DP_LOG_LEVEL ?? 'warn',
    },
  };
}

/** Builds dist/ so bin/disclosure-packager.js runs the current sources. */
export async function buildProduct(): Promise<void> {
  const result = await run('npm', ['run', 'build'], { cwd: ROOT });
  assertSucceeded('npm run build', result);
}

/** Runs one CLI verb and throws with its output if it fails. */
export async function cli(
  product: Product,
  args: readonly string[],
): Promise<Omit<RunResult, 'peakRssMb'>> {
  const result = await run(process.execPath, [CLI, ...args], {
    env: product.env,
  });
  assertSucceeded(`disclosure-packager ${args[0]}`, result);
  return result;
}

/** Writes a dataset, adds a fresh tenant and ingests the dataset into it. */
export async function prepareTenant(
  product: Product,
  label: string,
  events: number,
): Promise<IngestedDataset> {
  const tenantId = `bench-${label}-${product.runId}`;
  step(`writing ${events} synthetic audit events`);
  const dir = join(product.workDir, tenantId);
  await mkdir(dir);
  const dataset = await writeAuditDataset(dir, events);

  step(`adding tenant ${tenantId}, ingesting ${dataset.bytes} bytes`);
  await cli(product, ['tenants', 'add', tenantId, '--name', `Bench ${label}`]);
  const args = ['ingest', '--tenant', tenantId, ...dataset.files];
  const ingest = await cli(product, args);
  return { ...dataset, tenantId, ingestMs: ingest.wallMs };
}

/** One line of progress, so a long run shows where it is. */
export function step(message: string): void {
  console.log(`· ${message}`);
}
