/**
 * The large-document ingest benchmark: CycloneDX SBOMs of growing size,
 * each ingested by the built CLI in its own process, with peak RSS and
 * wall time beside `sha512sum` reading the same file. The product is
 * driven only through its CLI; docs/benchmarks.md says what each figure
 * means.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSucceeded, runMeasured } from './process.js';
import { buildProduct, cli, CLI, productIn, ROOT, step } from './product.js';
import { writeCycloneDx } from './sbom.js';

const MIB = 1024 * 1024;
const SIZES_MB = toSizes(process.env.BENCH_SBOM_MB ?? '12,50,200');
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'ingest.json');

interface Row {
  fileMb: number;
  components: number;
  ingestMs: number;
  peakRssMb: number;
  /** Peak RSS above the same verb ingesting a 64 KiB SBOM. */
  growthMb: number;
  sha512sumMs: number;
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'dp-bench-ingest-'));
  try {
    const product = productIn(workDir);
    step('building the product (npm run build)');
    await buildProduct();
    const tenant = `bench-ingest-${product.runId}`;
    await cli(product, ['tenants', 'add', tenant, '--name', 'Bench ingest']);

    const ingest = async (file: string) => {
      const result = await runMeasured(
        process.execPath,
        [CLI, 'ingest', '--tenant', tenant, file],
        { env: product.env, scratchDir: workDir },
      );
      assertSucceeded('disclosure-packager ingest', result);
      return result;
    };
    const small = await writeCycloneDx(
      join(workDir, 'small.cdx.json'),
      64 * 1024,
    );
    const floor = (await ingest(small.file)).peakRssMb ?? 0;
    step(`a 64 KiB SBOM ingests at ${floor.toFixed(0)} MiB peak RSS`);

    const rows: Row[] = [];
    for (const mb of SIZES_MB) {
      const dir = join(workDir, `sbom-${mb}`);
      await mkdir(dir);
      step(`writing a ${mb} MB CycloneDX SBOM`);
      const sbom = await writeCycloneDx(join(dir, 'large.cdx.json'), mb * 1e6);
      step(`ingesting it (${sbom.components} components)`);
      const ingested = await ingest(sbom.file);
      const digest = await runMeasured('sha512sum', [sbom.file], {
        scratchDir: workDir,
      });
      assertSucceeded('sha512sum', digest);
      const peak = ingested.peakRssMb ?? 0;
      rows.push({
        fileMb: sbom.bytes / 1e6,
        components: sbom.components,
        ingestMs: ingested.wallMs,
        peakRssMb: peak,
        growthMb: peak - floor,
        sha512sumMs: digest.wallMs,
      });
    }
    print(rows);
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(
      RESULTS_FILE,
      JSON.stringify({ floorMb: floor, rows }, null, 2),
    );
    console.log(`\nresults written to ${RESULTS_FILE}`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function print(rows: Row[]): void {
  console.log(
    '\n| SBOM | components | ingest | × sha512sum | peak RSS | growth | growth per MiB of file |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.fileMb.toFixed(0)} MB | ${r.components} | ` +
        `${(r.ingestMs / 1000).toFixed(1)} s | ` +
        `${(r.ingestMs / r.sha512sumMs).toFixed(0)}× | ` +
        `${r.peakRssMb.toFixed(0)} MiB | +${r.growthMb.toFixed(0)} MiB | ` +
        `${(r.growthMb / (r.fileMb * (1e6 / MIB))).toFixed(2)} |`,
    );
  }
}

function toSizes(value: string): number[] {
  const sizes = value.split(',').map(Number);
  if (sizes.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`BENCH_SBOM_MB must list positive sizes in MB: ${value}`);
  }
  return sizes;
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
