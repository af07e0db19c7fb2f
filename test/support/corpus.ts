import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The shared corpus of real public evidence, read in place. */
export const CORPUS_DIR =
  process.env.DP_CORPUS_DIR ?? path.resolve(REPO_ROOT, '../shared/corpus');

/** True when the corpus is here. CI sets DP_REQUIRE_CORPUS=1 to demand it. */
export const CORPUS_PRESENT = existsSync(CORPUS_DIR);

/**
 * Corpus tests skip (with a message) where the corpus is absent, except
 * where it is required: there the absence itself is the failure.
 */
export function corpusMissingIsFatal(): boolean {
  if (CORPUS_PRESENT) return false;
  if (process.env.DP_REQUIRE_CORPUS === '1') {
    throw new Error(
      `the evidence corpus is required but ${CORPUS_DIR} is absent`,
    );
  }
  console.warn(`skipping corpus tests: ${CORPUS_DIR} is absent`);
  return false;
}

/** Every corpus file, relative to the corpus folder, sorted. */
export function corpusFiles(dir = CORPUS_DIR, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      if (statSync(full).isDirectory()) return corpusFiles(full, relative);
      return name === 'SOURCES.md' ? [] : [relative];
    });
}
