import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { PackagerError } from '../../domain/index.js';
import { VERIFY_EXIT, formatReport, verifyBundle } from '../../bundle/index.js';
import type { CliIo } from '../io.js';

/** `verify BUNDLE.zip`: checks a bundle offline; exit code says why not. */
export function verifyCommand(
  io: CliIo,
  setCode: (code: number) => void,
): Command {
  return new Command('verify')
    .description(
      'verify a bundle: safe to read, checksums, manifest and signature',
    )
    .argument('<bundle>', 'the bundle ZIP')
    .option('--key <file>', 'the public key you trust (cosign.pub PEM)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `\nExit codes: ${VERIFY_EXIT.verified} verified, ${VERIFY_EXIT.integrity} ` +
        `integrity failure, ${VERIFY_EXIT.signature} signature failure, ` +
        `${VERIFY_EXIT.unreadable} unreadable or unsafe input, 1 usage error.`,
    )
    .action(async (bundle: string, opts: { key?: string; json?: boolean }) => {
      const publicKeyPem = opts.key ? await readKey(opts.key) : undefined;
      const report = await verifyBundle(bundle, { publicKeyPem });
      if (opts.json) {
        io.out(JSON.stringify(report, null, 2) + '\n');
      } else {
        io.out(formatReport(report));
      }
      setCode(report.exitCode);
    });
}

async function readKey(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `cannot read the key file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
