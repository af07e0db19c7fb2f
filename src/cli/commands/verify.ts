import { readFile } from 'node:fs/promises';
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
import { parseTrustFile } from '../../signing/index.js';
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
      'accept bundles of this revoked key anyway (repeatable)',
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
      const report = await verifyBundle(bundle, await toOptions(flags));
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
    ...(flags.key && { publicKeyPem: await readInput(flags.key, 'key') }),
    ...(flags.trustedKeys && {
      trust: parseTrustFile(await readInput(flags.trustedKeys, 'trusted keys')),
    }),
    ...(flags.zipSignature && {
      zipSignature: await readFile(flags.zipSignature).catch((cause) => {
        throw unreadable(flags.zipSignature as string, 'signature', cause);
      }),
    }),
    allowRevoked: flags.allowRevoked,
    expect,
  };
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

async function readInput(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw unreadable(file, what, cause);
  }
}

function unreadable(file: string, what: string, cause: unknown) {
  return new PackagerError(
    'DP_REQUEST_INVALID',
    `cannot read the ${what} file ${file}: ${(cause as Error).message}`,
    { cause },
  );
}
