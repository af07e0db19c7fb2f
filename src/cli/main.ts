import { Command, CommanderError } from 'commander';
import { isPackagerError } from '../domain/index.js';
import { exportCommand } from './commands/export.js';
import { ingestCommand } from './commands/ingest.js';
import { keysCommand } from './commands/keys.js';
import { startCommand } from './commands/start.js';
import { workerCommand } from './commands/worker.js';
import { tenantsCommand } from './commands/tenants.js';
import { tokensCommand } from './commands/tokens.js';
import { probeCommand } from './commands/probe.js';
import { retentionCommand } from './commands/retention.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT, processIo, type CliIo } from './io.js';

/**
 * Runs the `disclosure-packager` command line and resolves to the exit
 * code. Errors reach the user as one plain line, never a stack trace.
 */
export async function main(
  argv: string[],
  io: CliIo = processIo,
): Promise<number> {
  // Evidence, bundles, keys and the embedded database are the tenant's
  // alone: nothing this process writes is readable by other local users.
  process.umask(0o077);
  let code: number = EXIT.ok;
  const setCode = (value: number) => {
    code = value;
  };
  const program = new Command('disclosure-packager')
    .description('Signed, verifiable disclosure bundles of tenant evidence')
    .exitOverride()
    .configureOutput(outputOf(io))
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(startCommand(io));
  program.addCommand(workerCommand(io));
  program.addCommand(ingestCommand(io, setCode));
  program.addCommand(exportCommand(io));
  program.addCommand(verifyCommand(io, setCode));
  program.addCommand(tenantsCommand(io));
  program.addCommand(keysCommand(io));
  program.addCommand(tokensCommand(io));
  program.addCommand(probeCommand(io, setCode));
  program.addCommand(retentionCommand(io));
  for (const command of program.commands) {
    command.exitOverride().configureOutput(outputOf(io));
  }
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    return reportError(error, io);
  }
}

function outputOf(io: CliIo) {
  return {
    writeOut: (text: string) => io.out(text),
    writeErr: (text: string) => io.err(text),
  };
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are successful exits; the rest are usage errors
    // that commander has already described.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (isPackagerError(error)) {
    io.err(`error: ${error.message}\n`);
    return EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: unexpected failure: ${message}\n`);
  if (process.env.DP_DEBUG) io.err(`${(error as Error).stack ?? ''}\n`);
  return EXIT.failed;
}
