import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const MIB = 1024 * 1024;

/**
 * Files read whole that are larger than this are refused. JSON Lines audit
 * logs are streamed instead and have no size limit (see stream.ts).
 */
export const MAX_FILE_BYTES = 256 * MIB;

/** A size for messages: whole mebibytes when it is some, else bytes. */
export function sizeText(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

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
export async function readBounded(
  file: string,
  limit = MAX_FILE_BYTES,
): Promise<Buffer | string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return 'not a regular file';
    if (info.size > limit) {
      const mib = (info.size / MIB).toFixed(0);
      return `too large (${mib} MiB; the limit is ${sizeText(limit)} per file)`;
    }
    return await readFile(file);
  } catch (error) {
    return unreadable(error);
  }
}
