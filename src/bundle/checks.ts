import { parseChecksumIndex } from './checksums.js';
import { BUNDLE_FILES, DESCRIPTIVE_FILES, UNINDEXED_FILES } from './layout.js';
import { MANIFEST_VERSION, type Manifest } from './manifest.js';
import type { Problem } from './problems.js';
import type { ReadEntry } from './zipreader.js';

type Entries = ReadonlyMap<string, ReadEntry>;

/**
 * Checks every line of SHA512SUMS against the entries, and every entry
 * against SHA512SUMS. Returns the index (path → hex SHA-512), or null when
 * the bundle has none.
 */
export function checkIndex(
  entries: Entries,
  problems: Problem[],
): Map<string, string> | null {
  const data = entries.get(BUNDLE_FILES.index)?.data;
  if (!data) {
    problems.push(missing(BUNDLE_FILES.index, 'the checksum index'));
    return null;
  }
  const index = parseChecksumIndex(data);
  for (const { line, message } of index.malformed) {
    problems.push({
      code: 'index-malformed',
      path: BUNDLE_FILES.index,
      message: `line ${line}: ${message}`,
    });
  }
  for (const [path, sha512] of index.entries) {
    checkListedFile(entries.get(path), path, sha512, problems);
  }
  for (const path of entries.keys()) {
    if (!index.entries.has(path) && !UNINDEXED_FILES.has(path)) {
      problems.push({
        code: 'unlisted-file',
        path,
        message: `${path} is in the ZIP but not in ${BUNDLE_FILES.index}`,
      });
    }
  }
  return index.entries;
}

function checkListedFile(
  entry: ReadEntry | undefined,
  path: string,
  sha512: string,
  problems: Problem[],
) {
  if (entry === undefined) {
    // An entry that is there but could not be read is already reported.
    if (!problems.some((p) => p.path === path)) {
      problems.push(missing(path, `listed in ${BUNDLE_FILES.index}`));
    }
  } else if (entry.sha512 !== sha512) {
    problems.push({
      code: 'checksum-mismatch',
      path,
      message:
        `the SHA-512 of ${path} is ${entry.sha512.slice(0, 16)}…, ` +
        `${BUNDLE_FILES.index} says ${sha512.slice(0, 16)}…`,
    });
  }
}

/** Parses manifest.json and holds its file list to the index and entries. */
export function checkManifest(
  entries: Entries,
  index: ReadonlyMap<string, string> | null,
  problems: Problem[],
): Manifest | undefined {
  const data = entries.get(BUNDLE_FILES.manifest)?.data;
  if (!data) {
    if (!index?.has(BUNDLE_FILES.manifest)) {
      problems.push(missing(BUNDLE_FILES.manifest, 'the manifest'));
    }
    return undefined;
  }
  const manifest = parseManifest(data, problems);
  if (manifest && index) checkManifestFiles(manifest, entries, index, problems);
  return manifest;
}

function parseManifest(data: Buffer, problems: Problem[]) {
  const invalid = (message: string) => {
    problems.push({
      code: 'manifest-invalid',
      path: BUNDLE_FILES.manifest,
      message,
    });
    return undefined;
  };
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return invalid('manifest.json is not JSON');
  }
  const manifest = value as Partial<Manifest> | null;
  if (manifest?.manifestVersion !== MANIFEST_VERSION) {
    return invalid(`manifestVersion is not "${MANIFEST_VERSION}"`);
  }
  const files: unknown = manifest.files;
  if (!Array.isArray(files) || !files.every(isFileRow)) {
    return invalid('files must list objects with path, sha512 and size');
  }
  return manifest as Manifest;
}

function isFileRow(row: unknown): boolean {
  const r = row as Record<string, unknown> | null;
  return (
    typeof r?.path === 'string' &&
    typeof r.sha512 === 'string' &&
    typeof r.size === 'number'
  );
}

function checkManifestFiles(
  manifest: Manifest,
  entries: Entries,
  index: ReadonlyMap<string, string>,
  problems: Problem[],
) {
  const mismatch = (path: string, message: string) =>
    problems.push({ code: 'manifest-mismatch', path, message });
  const described = new Set<string>();
  for (const file of manifest.files) {
    if (described.has(file.path)) mismatch(file.path, 'described twice');
    described.add(file.path);
    const listed = index.get(file.path);
    const size = entries.get(file.path)?.size;
    if (listed === undefined) {
      mismatch(file.path, `described in manifest.json, not in SHA512SUMS`);
    } else if (listed !== file.sha512) {
      mismatch(file.path, 'manifest.json and SHA512SUMS give other SHA-512s');
    } else if (size !== undefined && size !== file.size) {
      mismatch(file.path, `manifest.json says ${file.size} bytes, not ${size}`);
    }
  }
  for (const path of index.keys()) {
    if (!described.has(path) && !DESCRIPTIVE_FILES.has(path)) {
      mismatch(path, 'listed in SHA512SUMS but not described in manifest.json');
    }
  }
}

function missing(path: string, what: string): Problem {
  return {
    code: 'missing-file',
    path,
    message: `${path} (${what}) is not in the ZIP`,
  };
}
