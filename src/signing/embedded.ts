import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import {
  link,
  mkdir,
  readFile,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { PackagerError } from '../domain/index.js';
import { decryptCosignKey, encryptCosignKey } from './cosignkey.js';
import { toSigner, type Signer } from './signer.js';

/** File names of the embedded key, beside each other in the data dir. */
export const EMBEDDED_KEY_FILES = Object.freeze({
  privateKey: 'cosign.key',
  publicKey: 'cosign.pub',
  password: 'cosign.password',
});

export interface EmbeddedSignerOptions {
  /** Directory holding cosign.key, cosign.pub and maybe cosign.password. */
  dir: string;
  /**
   * The key password (DP_SIGNING_KEY_PASSWORD). When absent, a random one
   * is generated once and kept in cosign.password beside the key, which is
   * fine for a demo but not for production.
   */
  password?: string;
}

/** The embedded key, as loaded, with what the keyring needs to adopt it. */
export interface EmbeddedKey {
  signer: Signer;
  /** True when this call generated the key. */
  created: boolean;
  /** The encrypted key file's text (cosign.key). */
  encryptedPem: string;
  /** The password it is encrypted with: stored keys use the same one. */
  password: string;
  /** When the key file was written: the start of its validity. */
  since: Date;
}

/**
 * Loads the embedded signing key, creating it on first use: an ECDSA P-256
 * key in cosign's encrypted format (cosign.key, mode 0600) and its public
 * key (cosign.pub). Safe when two processes start at once: each file is
 * published with link(2), which fails if another process won the race.
 */
export async function loadOrCreateEmbeddedSigner(
  options: EmbeddedSignerOptions,
): Promise<EmbeddedKey> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const password = options.password ?? (await passwordFromDir(options.dir));
  const keyPath = join(options.dir, EMBEDDED_KEY_FILES.privateKey);

  let pem = await readIfExists(keyPath);
  let created = false;
  if (pem === null) {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
    });
    created = await publish(keyPath, encryptCosignKey(privateKey, password));
    pem = await readFile(keyPath, 'utf8');
  }

  const signer = toSigner(decryptCosignKey(pem, password));
  await ensurePublicKey(options.dir, signer.publicKeyPem);
  const since = (await stat(keyPath)).mtime;
  return { signer, created, encryptedPem: pem, password, since };
}

async function passwordFromDir(dir: string): Promise<string> {
  const path = join(dir, EMBEDDED_KEY_FILES.password);
  const existing = await readIfExists(path);
  if (existing !== null) return existing.replace(/\r?\n$/, '');

  await publish(path, randomBytes(32).toString('base64url'));
  return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
}

async function ensurePublicKey(dir: string, publicKeyPem: string) {
  const path = join(dir, EMBEDDED_KEY_FILES.publicKey);
  const existing = await readIfExists(path);
  if (existing === null) {
    await publish(path, publicKeyPem, 0o644);
  } else if (existing.trim() !== publicKeyPem.trim()) {
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `${path} is not the public key of ${EMBEDDED_KEY_FILES.privateKey}; ` +
        'remove it to have it written again',
    );
  }
}

/**
 * Writes a file whole under a temporary name, then links it into place so
 * readers never see a partial key. Returns false when the file already
 * existed (another process published it first).
 */
async function publish(path: string, text: string, mode = 0o600) {
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, text, { mode, flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp);
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      `cannot read ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}
