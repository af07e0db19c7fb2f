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
import { SBOM_FORMATS, writeSbom, type SbomFormat } from './sbom.js';

const SIZES_MB = toSizes(process.env.BENCH_SBOM_MB ?? '12,50,200');
const FORMATS = toFormats(process.env.BENCH_SBOM_FORMATS);
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'ingest.json');

/** One way of reading a file: its time and peak memory. */
interface Reading {
  ms: number;
  peakRssMb: number;
  /** Peak RSS above the same verb ingesting a 64 KiB SBOM. */
  growthMb: number;
}

interface Row {
  format: SbomFormat;
  fileMb: number;
  components: number;
  /** As shipped: read as a stream. */
  streamed: Reading;
  /** Read whole, as every document was before (the baseline). */
  whole: Reading;
  sha512sumMs: number;
}

// Whole reading, for the baseline: the streaming threshold set past any file.
const WHOLE = { DP_INGEST_STREAM_FROM_BYTES: String(Number.MAX_SAFE_INTEGER) };

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'dp-bench-ingest-'));
  try {
    const product = productIn(workDir);
    step('building the product (npm run build)');
    await buildProduct();
    // One tenant per way of reading: the second reading is not a duplicate.
    const tenants = {
      streamed: `bench-stream-${product.runId}`,
      whole: `bench-whole-${product.runId}`,
    };
    for (const tenant of Object.values(tenants)) {
      await cli(product, ['tenants', 'add', tenant, '--name', tenant]);
    }

    let floor = 0;
    const ingest = async (
      file: string,
      how: keyof typeof tenants,
    ): Promise<Reading> => {
      const env = how === 'whole' ? { ...product.env, ...WHOLE } : product.env;
      const result = await runMeasured(
        process.execPath,
        [CLI, 'ingest', '--tenant', tenants[how], file],
        { env, scratchDir: workDir },
      );
      assertSucceeded('disclosure-packager ingest', result);
      const peakRssMb = result.peakRssMb ?? 0;
      return { ms: result.wallMs, peakRssMb, growthMb: peakRssMb - floor };
    };
    const small = await writeSbom(
      'cyclonedx-json',
      join(workDir, 'small.cdx.json'),
      64 * 1024,
    );
    floor = (await ingest(small.file, 'streamed')).peakRssMb;
    step(`a 64 KiB SBOM ingests at ${floor.toFixed(0)} MiB peak RSS`);

    const rows: Row[] = [];
    for (const format of FORMATS) {
      for (const mb of SIZES_MB) {
        const dir = join(workDir, `${format}-${mb}`);
        await mkdir(dir);
        step(`writing a ${mb} MB ${format} SBOM`);
        const name = `large.${EXTENSIONS[format]}`;
        const sbom = await writeSbom(format, join(dir, name), mb * 1e6);
        step(
          `ingesting it as a stream, then whole (${sbom.components} components)`,
        );
        const streamed = await ingest(sbom.file, 'streamed');
        const whole = await ingest(sbom.file, 'whole');
        const digest = await runMeasured('sha512sum', [sbom.file], {
          scratchDir: workDir,
        });
        assertSucceeded('sha512sum', digest);
        rows.push({
          format,
          fileMb: sbom.bytes / 1e6,
          components: sbom.components,
          streamed,
          whole,
          sha512sumMs: digest.wallMs,
        });
        await rm(dir, { recursive: true, force: true });
      }
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
  const mib = (n: number) => `${n.toFixed(0)} MiB`;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    '\n| format | SBOM | components | growth, stream | growth, whole | ' +
      'whole ÷ stream | time, stream | time, whole | stream ÷ sha512sum |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.format} | ${r.fileMb.toFixed(0)} MB | ${r.components} | ` +
        `+${mib(r.streamed.growthMb)} | +${mib(r.whole.growthMb)} | ` +
        `${(r.whole.growthMb / Math.max(1, r.streamed.growthMb)).toFixed(1)}× | ` +
        `${secs(r.streamed.ms)} | ${secs(r.whole.ms)} | ` +
        `${(r.streamed.ms / r.sha512sumMs).toFixed(0)}× |`,
    );
  }
}

const EXTENSIONS: Record<SbomFormat, string> = {
  'cyclonedx-json': 'cdx.json',
  'cyclonedx-xml': 'cdx.xml',
  'spdx-tag-value': 'spdx',
};

function toFormats(value: string | undefined): SbomFormat[] {
  if (!value) return [...SBOM_FORMATS];
  const formats = value.split(',');
  const unknown = formats.filter(
    (f) => !(SBOM_FORMATS as readonly string[]).includes(f),
  );
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SBOM_FORMATS takes ${SBOM_FORMATS.join(', ')}: ${unknown.join(', ')}`,
    );
  }
  return formats as SbomFormat[];
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
