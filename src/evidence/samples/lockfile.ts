import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One installed package, as package-lock.json (lockfileVersion 3) lists it. */
export interface LockedPackage {
  /** The lock's key, such as `node_modules/a/node_modules/@b/c`. */
  path: string;
  name: string;
  version: string;
  integrity?: string;
  license?: string;
  resolved?: string;
  dev: boolean;
  optional: boolean;
}

/** The product itself, from its package.json. */
export interface ProductInfo {
  name: string;
  version: string;
}

interface LockEntry {
  name?: unknown;
  version?: unknown;
  integrity?: unknown;
  license?: unknown;
  resolved?: unknown;
  dev?: unknown;
  optional?: unknown;
  link?: unknown;
}

/** Reads the name and version of the package at `packageRoot`. */
export function readProduct(packageRoot: string): ProductInfo {
  const text = readFileSync(join(packageRoot, 'package.json'), 'utf8');
  const json = JSON.parse(text) as { name?: unknown; version?: unknown };
  return { name: String(json.name), version: String(json.version) };
}

/** The raw bytes of the lock file, which the provenance also digests. */
export function readLockBytes(packageRoot: string): Buffer {
  return readFileSync(join(packageRoot, 'package-lock.json'));
}

/**
 * The installed packages a lockfileVersion 2 or 3 lock lists, in the lock's
 * order. The root entry ("") and workspace links are not packages we ship.
 */
export function toLockedPackages(lockBytes: Buffer): LockedPackage[] {
  const lock = JSON.parse(lockBytes.toString('utf8')) as {
    packages?: Record<string, LockEntry>;
  };
  const found: LockedPackage[] = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.link === true) continue;
    if (typeof entry.version !== 'string') continue;
    found.push({
      path,
      // An aliased install keeps its real name in `name`; else the key says.
      name: typeof entry.name === 'string' ? entry.name : nameFromPath(path),
      version: entry.version,
      integrity: optionalString(entry.integrity),
      license: optionalString(entry.license),
      resolved: optionalString(entry.resolved),
      dev: entry.dev === true,
      optional: entry.optional === true,
    });
  }
  return found;
}

function nameFromPath(path: string): string {
  const marker = 'node_modules/';
  return path.slice(path.lastIndexOf(marker) + marker.length);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
