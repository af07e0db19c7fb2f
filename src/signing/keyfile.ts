import { createPrivateKey, type KeyObject } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { PackagerError, isPackagerError } from '../domain/index.js';
import { decryptCosignKey, isCosignKey } from './cosignkey.js';
import { toSigner, type Signer } from './signer.js';

/** Where a key file's password comes from: a variable, or a file. */
export interface PasswordSource {
  /** Name of an environment variable; cosign's own is COSIGN_PASSWORD. */
  env?: string;
  /** A file whose content is the password (one trailing newline dropped). */
  file?: string;
}

/**
 * What the password is for: unlocking a key file that exists, or
 * encrypting a key being created (`keys generate`).
 */
export type PasswordUse = 'unlock' | 'new-key';

export interface KeyFileOptions {
  path: string;
  password?: PasswordSource;
}

/**
 * The local key file signer: reads a cosign encrypted private key ("ENCRYPTED
 * SIGSTORE PRIVATE KEY" or the older "ENCRYPTED COSIGN PRIVATE KEY") or a
 * plain PKCS#8 PEM ("PRIVATE KEY"), with CRLF or LF line ends.
 */
export async function loadKeyFileSigner(
  options: KeyFileOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ signer: Signer; privateKey: KeyObject }> {
  const text = await readSmall(options.path, 'key file', {
    regularOnly: true,
  });
  const privateKey = isCosignKey(text)
    ? decryptCosignKey(text, await passwordOf(options.password ?? {}, env))
    : readPkcs8Pem(text, options.path);
  return { signer: toSigner(privateKey), privateKey };
}

/**
 * Resolves a password as cosign does with COSIGN_PASSWORD: verbatim, so an
 * empty variable is the empty password. Absent everywhere is an error,
 * worded for what the password is for.
 */
export async function passwordOf(
  source: PasswordSource,
  env: NodeJS.ProcessEnv = process.env,
  use: PasswordUse = 'unlock',
): Promise<string> {
  if (source.file !== undefined) {
    // Not only regular files: `--password-file <(vault …)` is a pipe.
    const text = await readSmall(source.file, 'password file', {
      regularOnly: false,
    });
    return text.replace(/\r?\n$/, '');
  }
  const name = source.env ?? 'COSIGN_PASSWORD';
  const value = env[name];
  if (value === undefined) throw noPassword(name, use);
  return value;
}

function noPassword(name: string, use: PasswordUse): PackagerError {
  if (use === 'new-key') {
    return new PackagerError(
      'DP_REQUEST_INVALID',
      `the new key is encrypted with a password you choose: set ${name} ` +
        'to it (an empty value means no password), or name a password ' +
        'file with --password-file',
    );
  }
  return new PackagerError(
    'DP_KEY_UNAVAILABLE',
    `the key file is encrypted: set ${name} to its password, ` +
      'or name a password file',
  );
}

function readPkcs8Pem(text: string, path: string): KeyObject {
  if (!/-----BEGIN PRIVATE KEY-----/.test(text)) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `${path} holds neither a cosign encrypted key nor a PKCS#8 ` +
        '"PRIVATE KEY" PEM',
    );
  }
  try {
    return createPrivateKey({
      key: text.replace(/\r\n/g, '\n'),
      format: 'pem',
    });
  } catch (cause) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `${path} is not a readable PKCS#8 key: ${(cause as Error).message}`,
      { cause },
    );
  }
}

// A cosign key file is a few KiB, even for RSA 8192; a password fewer
// bytes still. Anything larger is the wrong file, such as /dev/zero.
const SMALL_FILE_LIMIT = 64 * 1024;

/**
 * Reads a key or password file of at most SMALL_FILE_LIMIT bytes. Only
 * that much is read, so a device or an endless pipe cannot fill memory.
 */
async function readSmall(
  path: string,
  what: string,
  { regularOnly }: { regularOnly: boolean },
): Promise<string> {
  const refuse = (reason: string, cause?: unknown) =>
    new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `cannot read the ${what} ${path}: ${reason}`,
      { cause },
    );
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (info.isDirectory() || (regularOnly && !info.isFile())) {
      throw refuse('it is not a regular file');
    }
    const bytes = await readUpTo(handle, SMALL_FILE_LIMIT + 1);
    if (bytes.length > SMALL_FILE_LIMIT) {
      throw refuse(
        `it is larger than ${SMALL_FILE_LIMIT / 1024} KiB, ` +
          `far more than a ${what} holds`,
      );
    }
    return bytes.toString('utf8');
  } catch (cause) {
    if (isPackagerError(cause)) throw cause;
    throw refuse((cause as Error).message, cause);
  } finally {
    await handle?.close();
  }
}

/** At most `limit` bytes of an open file, read a chunk at a time. */
export async function readUpTo(
  handle: FileHandle,
  limit: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < limit) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, limit - length));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    length += bytesRead;
  }
  return Buffer.concat(chunks, length);
}
