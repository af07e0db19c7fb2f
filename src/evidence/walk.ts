import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Files larger than this are refused: each file is read whole. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** A path to ingest, or the reason it cannot be walked. */
export type Walked = string | { path: string; error: string };

/**
 * Yields the files below a path, depth first, a folder's entries in
 * code-point order, dotfiles skipped.
 */
export async function* walk(target: string): AsyncGenerator<Walked> {
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    yield { path: target, error: unreadable(error) };
    return;
  }
  if (!info.isDirectory()) {
    yield target;
    return;
  }
  let names: string[];
  try {
    names = await readdir(target);
  } catch (error) {
    yield { path: target, error: unreadable(error) };
    return;
  }
  for (const name of names.sort()) {
    if (!name.startsWith('.')) yield* walk(path.join(target, name));
  }
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot be read (${error instanceof Error ? error.message : code})`;
}

/** Reads a whole file, or says why not (missing, too large, ...). */
export async function readBounded(file: string): Promise<Buffer | string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return 'not a regular file';
    if (info.size > MAX_FILE_BYTES) {
      const mib = (info.size / 1024 / 1024).toFixed(0);
      return `too large (${mib} MiB; the limit is 256 MiB per file)`;
    }
    return await readFile(file);
  } catch (error) {
    return unreadable(error);
  }
}
