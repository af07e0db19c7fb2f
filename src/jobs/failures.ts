import {
  PackagerError,
  TRANSIENT_CODES,
  isPackagerError,
  type JobError,
} from '../domain/index.js';

/** What went wrong, and whether trying again may help. */
export interface Failure {
  error: JobError;
  transient: boolean;
}

// Node's socket errors: the peer went away or could not be reached.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// File system errors that say "not now" rather than "never".
const STORAGE_CODES = new Set([
  'EIO',
  'EAGAIN',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
]);

// SQLSTATEs of a lost or refused connection, a server shutting down, or a
// conflict that the same work can clear by running again.
const DATABASE_STATES = /^(08|57P0[123]|53300|40001|40P01)/;

// pg reports a connection cut mid-query with these words and no code.
const LOST_CONNECTION =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/i;

/**
 * Sorts a failure into transient (a source, the store or the database did
 * not answer: retry later) or permanent (invalid evidence, a bundle too
 * large, a bug: fail now with the reason), looking through causes.
 */
export function classifyFailure(error: unknown): Failure {
  // The first transient cause wins; else the first specific product error
  // (DP_EXPORT_FAILED only wraps what went wrong underneath).
  let specific: PackagerError | undefined;
  for (let e: unknown = error, depth = 0; e && depth < 8; depth += 1) {
    const found = transientOf(e);
    if (found) return { error: found, transient: true };
    if (isPackagerError(e) && e.code !== 'DP_EXPORT_FAILED') {
      specific = e;
      break;
    }
    e = (e as { cause?: unknown }).cause;
  }
  const known = specific ?? (isPackagerError(error) ? error : undefined);
  if (known) {
    return {
      error: { code: known.code, message: known.message },
      transient: false,
    };
  }
  return {
    error: {
      code: 'DP_EXPORT_FAILED',
      message: 'the export failed unexpectedly; the operator log has details',
    },
    transient: false,
  };
}

function transientOf(e: unknown): JobError | null {
  if (isPackagerError(e)) {
    return TRANSIENT_CODES.has(e.code)
      ? { code: e.code, message: e.message }
      : null;
  }
  if (!(e instanceof Error)) return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && DATABASE_STATES.test(code)) {
    return lost('the database refused or lost the connection');
  }
  if (LOST_CONNECTION.test(e.message)) {
    return lost('the database connection was lost');
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return {
      code: 'DP_SOURCE_UNAVAILABLE',
      message: `a connection failed (${code})`,
    };
  }
  if (typeof code === 'string' && STORAGE_CODES.has(code)) {
    return {
      code: 'DP_STORAGE_UNAVAILABLE',
      message: `the object store failed (${code})`,
    };
  }
  return null;
}

function lost(message: string): JobError {
  return { code: 'DP_DATABASE_UNAVAILABLE', message };
}
