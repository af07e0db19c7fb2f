import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PackagerError } from '../domain/index.js';

/**
 * Claims a PGlite data directory for this process. PGlite has no locking of
 * its own, and two processes writing one data directory corrupt it, so a
 * second process is refused while the first is alive; a lock left by a dead
 * process is taken over. Returns the function that releases the claim.
 */
export function claimDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'owner.pid');
  const owner = readOwner(file);
  if (owner !== null && owner !== process.pid && isAlive(owner)) {
    throw new PackagerError(
      'DP_DATABASE_BUSY',
      `the embedded database in ${dir} is in use by process ${owner} ` +
        '(a running "npm start"?); stop it first, or use PostgreSQL via ' +
        'DATABASE_URL so that several processes can share the data',
    );
  }
  writeFileSync(file, String(process.pid));
  return () => {
    if (readOwner(file) === process.pid) rmSync(file, { force: true });
  };
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
