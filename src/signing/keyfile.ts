import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PackagerError } from '../domain/index.js';
import { decryptCosignKey, isCosignKey } from './cosignkey.js';
import { toSigner, type Signer } from './signer.js';

/** Where a key file's password comes from: a variable, or a file. */
export interface PasswordSource {
  /** Name of an environment variable; cosign's own is COSIGN_PASSWORD. */
  env?: string;
  /** A file whose content is the password (one trailing newline dropped). */
  file?: string;
}

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
  const text = await readText(options.path, 'key file');
  const privateKey = isCosignKey(text)
    ? decryptCosignKey(text, await passwordOf(options.password ?? {}, env))
    : readPkcs8Pem(text, options.path);
  return { signer: toSigner(privateKey), privateKey };
}

/**
 * Resolves a password as cosign does with COSIGN_PASSWORD: verbatim, so an
 * empty variable is the empty password. Absent everywhere is an error.
 */
export async function passwordOf(
  source: PasswordSource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (source.file !== undefined) {
    const text = await readText(source.file, 'password file');
    return text.replace(/\r?\n$/, '');
  }
  const name = source.env ?? 'COSIGN_PASSWORD';
  const value = env[name];
  if (value === undefined) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `the key file is encrypted: set ${name} to its password, ` +
        'or name a password file',
    );
  }
  return value;
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

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `cannot read the ${what} ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
