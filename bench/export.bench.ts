/**
 * The export benchmark. It drives the built product only through its CLI
 * and HTTP API, as an operator would, and sets it beside the shell doing the
 * same work by hand. docs/benchmarks.md says what each figure means.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureApiExports, measureCliExport } from './measure.js';
import { buildProduct, productIn, ROOT, step } from './product.js';
import { printResults } from './report.js';
import { toResults, writeResults } from './results.js';

const SMALL_EVENTS = 10_000;
const LARGE_EVENTS = toEventCount(process.env.BENCH_EVENTS_LARGE, 1_000_000);
const API_RUNS = 20;
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'latest.json');

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'dp-bench-'));
  try {
    const startedAt = new Date();
    const product = productIn(workDir);
    step('building the product (npm run build)');
    await buildProduct();

    const api = await measureApiExports(product, SMALL_EVENTS, API_RUNS);
    const cli = await measureCliExport(product, LARGE_EVENTS);

    const results = toResults(startedAt, api, cli);
    printResults(results);
    await writeResults(RESULTS_FILE, results);
    console.log(`\nresults written to ${RESULTS_FILE}`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function toEventCount(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`BENCH_EVENTS_LARGE must be a positive integer: ${value}`);
  }
  return count;
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
