/** Where a command writes; tests pass their own to read what was said. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

/** Exit codes shared by every verb; verify adds its own (see verify). */
export const EXIT = Object.freeze({
  ok: 0,
  usage: 1,
  failed: 1,
  ingestIncomplete: 2,
});
