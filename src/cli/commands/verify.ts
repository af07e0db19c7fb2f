import { open, stat, type FileHandle } from 'node:fs/promises';
import { Command } from 'commander';
import {
  PackagerError,
  toWindow,
  type TimeWindow,
} from '../../domain/index.js';
import {
  VERIFY_EXIT,
  formatReport,
  verifyBundle,
  type VerifyOptions,
} from '../../bundle/index.js';
import { keyIdOf, parseTrustFile, readUpTo } from '../../signing/index.js';
import type { CliIo } from '../io.js';

interface VerifyFlags {
  key?: string;
  trustedKeys?: string;
  allowRevoked: string[];
  tenant?: string;
  window?: string;
  zipSignature?: string;
  json?: boolean;
}

/** `verify BUNDLE.zip`: checks a bundle offline; exit code says why not. */
export function verifyCommand(
  io: CliIo,
  setCode: (code: number) => void,
): Command {
  return new Command('verify')
    .description(
      'verify a bundle: safe to read, checksums, manifest, signatures, ' +
        'key standing and expectations',
    )
    .argument('<bundle>', 'the bundle ZIP')
    .option('--key <file>', 'the public key you trust (cosign.pub PEM)')
    .option(
      '--trusted-keys <file>',
      'the published key list (GET /signing-keys); with --key, only keys ' +
        'reached from that key through signed rotations are trusted',
    )
    .option(
      '--allow-revoked <keyId>',
      'with --trusted-keys: accept bundles of this revoked key anyway ' +
        '(sha256:<64 hex>, repeatable)',
      (value: string, list: string[]) => [...list, value],
      [],
    )
    .option('--tenant <id>', 'the tenant the bundle must be for')
    .option('--window <from/to>', 'the window it must cover, RFC 3339 FROM/TO')
    .option(
      '--zip-signature <file>',
      'the detached signature of the whole ZIP (bundle.zip.sig)',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `\nExit codes: ${VERIFY_EXIT.verified} verified, ${VERIFY_EXIT.integrity} ` +
        `integrity failure, ${VERIFY_EXIT.signature} signature or key ` +
        `failure, ${VERIFY_EXIT.unreadable} unreadable or unsafe input, ` +
        `${VERIFY_EXIT.expectation} not the expected tenant or window, ` +
        '1 usage error.',
    )
    .action(async (bundle: string, flags: VerifyFlags) => {
      const options = await toOptions(flags);
      await assertBundleFile(bundle);
      const report = await verifyBundle(bundle, options);
      io.out(
        flags.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatReport(report),
      );
      setCode(report.exitCode);
    });
}

async function toOptions(flags: VerifyFlags): Promise<VerifyOptions> {
  const expect = {
    ...(flags.tenant !== undefined && { tenant: flags.tenant }),
    ...(flags.window !== undefined && {
      window: toExpectedWindow(flags.window),
    }),
  };
  return {
    ...(flags.key && { publicKeyPem: await readPublicKey(flags.key) }),
    ...(flags.trustedKeys && {
      trust: parseTrustFile(
        (await readInput(flags.trustedKeys, 'trusted keys')).toString('utf8'),
      ),
    }),
    ...(flags.zipSignature && {
      zipSignature: await readInput(flags.zipSignature, 'signature'),
    }),
    allowRevoked: toAllowedRevoked(flags),
    expect,
  };
}

/**
 * The --key file must be a PEM "PUBLIC KEY": a private key or any other
 * text is a mistake of the caller, not a bad signature in the bundle.
 */
async function readPublicKey(file: string): Promise<string> {
  const text = (await readInput(file, 'key')).toString('utf8');
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `the key file ${file} holds a private key: give --key the public ` +
        'key (cosign.pub), and keep the private key out of verification',
    );
  }
  if (!/-----BEGIN PUBLIC KEY-----/.test(text) || !isPublicKey(text)) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `the key file ${file} is not a PEM public key ` +
        '("-----BEGIN PUBLIC KEY-----", as in cosign.pub)',
    );
  }
  return text;
}

function isPublicKey(pem: string): boolean {
  try {
    keyIdOf(pem);
    return true;
  } catch {
    return false;
  }
}

const KEY_ID = /^sha256:[0-9a-f]{64}$/;

/** --allow-revoked takes full key ids, and only means something with a list. */
function toAllowedRevoked(flags: VerifyFlags): string[] {
  for (const keyId of flags.allowRevoked) {
    if (!KEY_ID.test(keyId)) {
      throw new PackagerError(
        'DP_REQUEST_INVALID',
        `--allow-revoked ${keyId} is not a key id: give it in full, ` +
          'sha256: and 64 lowercase hex digits, as the key list writes it',
      );
    }
  }
  if (flags.allowRevoked.length > 0 && !flags.trustedKeys) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      '--allow-revoked needs --trusted-keys: only the key list says which ' +
        'keys are revoked',
    );
  }
  return flags.allowRevoked;
}

/** A missing bundle is a usage error, not an unreadable ZIP (exit 4). */
async function assertBundleFile(file: string): Promise<void> {
  const info = await stat(file).catch((cause: unknown) => {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      code === 'ENOENT'
        ? `no such file: ${file}`
        : `cannot read the bundle ${file}: ${(cause as Error).message}`,
      { cause },
    );
  });
  if (info.isDirectory()) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `${file} is a folder; give the bundle ZIP`,
    );
  }
}

function toExpectedWindow(text: string): TimeWindow {
  const [from, to, extra] = text.split('/');
  if (from === undefined || to === undefined || extra !== undefined) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      '--window must be FROM/TO, two RFC 3339 times joined by a slash',
    );
  }
  return toWindow(from, to);
}

// A key or a signature is a few KiB; a key list, even with hundreds of
// keys and rotations, stays far below the larger cap.
const INPUT_LIMITS: Readonly<Record<string, number>> = {
  key: 64 * 1024,
  signature: 64 * 1024,
  'trusted keys': 16 * 1024 * 1024,
};

/**
 * Reads an input file up to its cap. Pipes are fine (`--trusted-keys
 * /dev/stdin`); a device such as /dev/zero is cut short and refused.
 */
async function readInput(file: string, what: string): Promise<Buffer> {
  const limit = INPUT_LIMITS[what] ?? 64 * 1024;
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) {
      throw unreadable(file, what, 'it is a folder');
    }
    const bytes = await readUpTo(handle, limit + 1);
    if (bytes.length > limit) {
      throw unreadable(file, what, `it is larger than ${toSize(limit)}`);
    }
    return bytes;
  } catch (cause) {
    if (cause instanceof PackagerError) throw cause;
    throw unreadable(file, what, (cause as Error).message, cause);
  } finally {
    await handle?.close();
  }
}

function toSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${bytes / (1024 * 1024)} MiB`
    : `${bytes / 1024} KiB`;
}

function unreadable(
  file: string,
  what: string,
  reason: string,
  cause?: unknown,
) {
  return new PackagerError(
    'DP_REQUEST_INVALID',
    `cannot read the ${what} file ${file}: ${reason}`,
    { cause },
  );
}
