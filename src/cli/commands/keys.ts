import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { PackagerError, toInstant, toWindow } from '../../domain/index.js';
import {
  encryptCosignKey,
  loadKeyFileSigner,
  passwordOf,
  toSigner,
  type Keyring,
  type PasswordSource,
  type StoredKey,
} from '../../signing/index.js';
import { withRuntime } from '../context.js';
import type { Runtime } from '../runtime.js';
import type { CliIo } from '../io.js';

interface PasswordFlags {
  passwordEnv?: string;
  passwordFile?: string;
}

interface StoreFlags {
  dataDir?: string;
}

/** `keys generate|import|list|rotate|retire|revoke` (docs/keys.md). */
export function keysCommand(io: CliIo): Command {
  const keys = new Command('keys').description('manage signing keys');
  keys.addCommand(generateCommand(io));
  keys.addCommand(importCommand(io));
  keys.addCommand(listCommand(io));
  keys.addCommand(rotateCommand(io));
  keys.addCommand(retireCommand(io));
  keys.addCommand(revokeCommand(io));
  return keys;
}

function withPassword(command: Command): Command {
  return command
    .option(
      '--password-env <name>',
      'variable holding the key password (default COSIGN_PASSWORD)',
    )
    .option('--password-file <file>', 'file holding the key password');
}

function withStore(command: Command): Command {
  return command.option('--data-dir <dir>', 'data directory');
}

function generateCommand(io: CliIo): Command {
  return withPassword(
    new Command('generate')
      .description(
        'write a cosign-compatible encrypted ECDSA P-256 key pair ' +
          '(cosign.key, cosign.pub)',
      )
      .option(
        '--out-dir <dir>',
        'where to write the two files; created (mode 0700) if missing',
        '.',
      ),
  ).action(async (flags: PasswordFlags & { outDir: string }) => {
    const password = await passwordOf(toSource(flags), process.env, 'new-key');
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
    });
    const signer = toSigner(privateKey);
    await makeOutDir(flags.outDir);
    const keyPath = path.join(flags.outDir, 'cosign.key');
    const pubPath = path.join(flags.outDir, 'cosign.pub');
    await writeNew(keyPath, encryptCosignKey(privateKey, password), 0o600);
    await writeNew(pubPath, signer.publicKeyPem, 0o644);
    io.out(`wrote ${keyPath} and ${pubPath}\nkey id: ${signer.keyId}\n`);
  });
}

function importCommand(io: CliIo): Command {
  return withStore(
    withPassword(
      new Command('import')
        .description(
          'import a cosign key file or PKCS#8 PEM: it becomes the active ' +
            'key, or with --retired a past key that only verifies',
        )
        .argument('<file>', 'the private key file')
        .option('--retired', 'import as retired, with a validity window')
        .option('--valid-from <time>', 'with --retired: start of validity')
        .option('--valid-until <time>', 'with --retired: end of validity'),
    ),
  ).action(
    async (
      file: string,
      flags: PasswordFlags &
        StoreFlags & {
          retired?: boolean;
          validFrom?: string;
          validUntil?: string;
        },
    ) => {
      const window = flags.retired ? toRetiredWindow(flags) : null;
      const { privateKey } = await loadKeyFileSigner({
        path: file,
        password: toSource(flags),
      });
      const said = await withRuntime(flags, async (rt) => {
        if (window) {
          const keyId = await rt.keys.importRetired(privateKey, window);
          await auditKeyOperation(rt, 'key.imported', keyId);
          return `imported ${keyId} as retired\n`;
        }
        const result = await rt.keys.rotate(privateKey, 'imported');
        await auditKeyOperation(rt, 'key.rotated', result.keyId);
        return rotationLine(result.keyId, result.previousKeyId);
      });
      io.out(said);
    },
  );
}

function listCommand(io: CliIo): Command {
  return withStore(
    new Command('list')
      .description('list the signing keys')
      .option('--json', 'print the published key list (as GET /signing-keys)'),
  ).action(async (flags: StoreFlags & { json?: boolean }) => {
    const text = await withRuntime(flags, async (rt) =>
      flags.json
        ? `${JSON.stringify(await rt.keys.trustFile(), null, 2)}\n`
        : (await rt.keys.list()).map(toListLine).join(''),
    );
    io.out(text);
  });
}

function rotateCommand(io: CliIo): Command {
  return withStore(
    withPassword(
      new Command('rotate')
        .description(
          'make a new key active; the old one is retired and signs the ' +
            'hand-over. Running jobs finish with the key they started with',
        )
        .option('--key <file>', 'rotate to this key file, not a new key'),
    ),
  ).action(async (flags: PasswordFlags & StoreFlags & { key?: string }) => {
    const next = flags.key
      ? (
          await loadKeyFileSigner({
            path: flags.key,
            password: toSource(flags),
          })
        ).privateKey
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const result = await withRuntime(flags, async (rt) => {
      const rotated = await rt.keys.rotate(
        next,
        flags.key ? 'imported' : 'generated',
      );
      await auditKeyOperation(rt, 'key.rotated', rotated.keyId);
      return rotated;
    });
    io.out(rotationLine(result.keyId, result.previousKeyId));
  });
}

function retireCommand(io: CliIo): Command {
  return withStore(
    new Command('retire')
      .description("end a retired key's validity window earlier")
      .argument('<keyId>', 'the key id (sha256:…) or a unique prefix')
      .option('--valid-until <time>', 'the new end of its validity window'),
  ).action(async (id: string, flags: StoreFlags & { validUntil?: string }) => {
    const until = flags.validUntil
      ? toInstant(flags.validUntil, 'valid-until')
      : undefined;
    const key = await withRuntime(flags, async (rt) => {
      const retired = await rt.keys.retire(
        await resolveKeyId(rt.keys, id),
        until,
      );
      await auditKeyOperation(rt, 'key.retired', retired.keyId);
      return retired;
    });
    io.out(`${key.keyId} is retired, valid until ${iso(key.validUntil)}\n`);
  });
}

function revokeCommand(io: CliIo): Command {
  return withStore(
    new Command('revoke')
      .description('revoke a retired key: its bundles no longer verify')
      .argument('<keyId>', 'the key id (sha256:…) or a unique prefix')
      .requiredOption('--reason <text>', 'why, published with the key'),
  ).action(async (id: string, flags: StoreFlags & { reason: string }) => {
    if (flags.reason.trim() === '') {
      throw new PackagerError('DP_REQUEST_INVALID', '--reason is empty');
    }
    const { key, changed } = await withRuntime(flags, async (rt) => {
      const revocation = await rt.keys.revoke(
        await resolveKeyId(rt.keys, id),
        flags.reason,
      );
      if (revocation.changed) {
        await auditKeyOperation(rt, 'key.revoked', revocation.key.keyId);
      }
      return revocation;
    });
    io.out(
      changed
        ? `${key.keyId} is revoked as of ${iso(key.revokedAt)}\n`
        : `${key.keyId} was already revoked on ${iso(key.revokedAt)}, ` +
            `for the same reason; nothing changed\n`,
    );
  });
}

/**
 * Signing keys serve every tenant, so a key operation is written into
 * every tenant's audit trail: each sees what changed about its bundles.
 */
async function auditKeyOperation(rt: Runtime, action: string, keyId: string) {
  for (const tenant of await rt.store.listTenants()) {
    await rt.audit.record({
      tenantId: tenant.id,
      actor: 'operator',
      action,
      resource: `signing-key/${keyId}`,
      outcome: 'success',
    });
  }
}

/** A full key id, or a prefix of its hex that names exactly one key. */
async function resolveKeyId(keys: Keyring, given: string): Promise<string> {
  const hex = given.replace(/^sha256:/, '').toLowerCase();
  const matches = (await keys.list()).filter((k) =>
    k.keyId.slice(7).startsWith(hex),
  );
  if (hex.length >= 8 && matches.length === 1 && matches[0]) {
    return matches[0].keyId;
  }
  throw new PackagerError(
    'DP_KEY_NOT_FOUND',
    matches.length > 1 && hex.length >= 8
      ? `${given} names ${matches.length} keys; give more of the id`
      : `no signing key ${given} (give the id or at least 8 of its hex digits)`,
  );
}

function toListLine(key: StoredKey): string {
  const window = `${iso(key.validFrom)}..${key.validUntil ? iso(key.validUntil) : ''}`;
  return `${key.keyId}\t${key.status}\t${key.algorithm}\t${window}\t${key.origin}\n`;
}

function rotationLine(keyId: string, previous: string | null): string {
  return previous
    ? `${keyId} is now active; ${previous} is retired\n`
    : `${keyId} is now active\n`;
}

function toRetiredWindow(flags: { validFrom?: string; validUntil?: string }) {
  if (!flags.validFrom || !flags.validUntil) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      '--retired needs --valid-from and --valid-until',
    );
  }
  const { from, to } = toWindow(flags.validFrom, flags.validUntil);
  return { from, until: to };
}

function toSource(flags: PasswordFlags): PasswordSource {
  return {
    ...(flags.passwordEnv !== undefined && { env: flags.passwordEnv }),
    ...(flags.passwordFile !== undefined && { file: flags.passwordFile }),
  };
}

/** Like `mkdir -p`; a folder made for a private key is the owner's only. */
async function makeOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `cannot create the folder ${dir}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

async function writeNew(file: string, text: string, mode: number) {
  try {
    await writeFile(file, text, { mode, flag: 'wx' });
  } catch (cause) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `cannot write ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function iso(date: Date | null): string {
  return date ? date.toISOString() : '';
}
