import { stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Dataset } from './generate.js';
import { assertSucceeded, run, runMeasured } from './process.js';

/** The shell's time to do the same job by hand: hash, then zip. */
export interface BaselineResult {
  sha512sumMs: number;
  zipMs: number;
  totalMs: number;
  zipBytes: number;
  zipPeakRssMb: number | null;
}

/**
 * Hashes the dataset's files with `sha512sum` into a SHA512SUMS index, then
 * zips the files and the index with `zip -1`: the least a packager must do
 * with the same bytes (read them twice, hash them, deflate them).
 */
export async function runBaseline(
  dataset: Dataset,
  scratchDir: string,
): Promise<BaselineResult> {
  const names = dataset.files.map((file) => basename(file));
  const sha512sumMs = await hashInto(
    join(dataset.dir, 'SHA512SUMS'),
    names,
    dataset.dir,
  );

  const zipFile = join(scratchDir, 'baseline.zip');
  const zip = await runMeasured(
    'zip',
    ['-1', '-q', '-r', zipFile, ...names, 'SHA512SUMS'],
    { cwd: dataset.dir, scratchDir },
  );
  assertSucceeded('zip', zip);

  return {
    sha512sumMs,
    zipMs: zip.wallMs,
    totalMs: sha512sumMs + zip.wallMs,
    zipBytes: (await stat(zipFile)).size,
    zipPeakRssMb: zip.peakRssMb,
  };
}

/** Runs `sha512sum names…` in `cwd` and writes its output to `index`. */
async function hashInto(
  index: string,
  names: readonly string[],
  cwd: string,
): Promise<number> {
  // The index is one line a file, so holding it in memory costs nothing.
  const result = await run('sha512sum', names, { cwd });
  assertSucceeded('sha512sum', result);
  await writeFile(index, result.stdout);
  return result.wallMs;
}
