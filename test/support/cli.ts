import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** Captures what a CLI run says, for in-process tests. */
export interface Captured {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
  };
  const code = await main(['node', 'disclosure-packager', ...args], io);
  return { code, out, err };
}
