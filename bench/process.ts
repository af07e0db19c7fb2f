import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** How one measured child process went. */
export interface RunResult {
  exitCode: number;
  wallMs: number;
  /** Peak resident set size in MiB, or null if it could not be read. */
  peakRssMb: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A scratch folder for GNU time's report file. */
  scratchDir: string;
}

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 50;

/**
 * Runs a command to completion and measures its wall time and peak RSS.
 * GNU time reads the peak from wait4(2) and is exact; without it we poll
 * VmHWM (the kernel's own high-water mark), which is exact too as long as a
 * poll lands after the peak, and only misses growth in the last 50 ms.
 */
export async function runMeasured(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  if (existsSync(GNU_TIME)) return runWithGnuTime(command, args, options);
  return runPollingRss(command, args, options);
}

async function runWithGnuTime(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const report = join(options.scratchDir, `time-${process.hrtime.bigint()}`);
  const timeArgs = ['-f', '%M', '-o', report, command, ...args];
  const result = await run(GNU_TIME, timeArgs, options, () => undefined);
  // On failure GNU time writes a status line first; %M is the last line.
  const lines = (await readFile(report, 'utf8')).trim().split('\n');
  await rm(report, { force: true });
  const kb = Number(lines.at(-1));
  return { ...result, peakRssMb: Number.isFinite(kb) ? kb / 1024 : null };
}

async function runPollingRss(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  let peakKb = 0;
  const result = await run(command, args, options, (pid) => {
    const kb = readHighWaterKb(pid);
    if (kb !== null) peakKb = Math.max(peakKb, kb);
  });
  return { ...result, peakRssMb: peakKb > 0 ? peakKb / 1024 : null };
}

function readHighWaterKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null; // the process may have exited between polls
  }
}

/** Runs a command, calling `onPoll` with its pid every 50 ms while it runs. */
export function run(
  command: string,
  args: readonly string[],
  options: Omit<RunOptions, 'scratchDir'>,
  onPoll: (pid: number) => void = () => undefined,
): Promise<Omit<RunResult, 'peakRssMb'>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: options.env, cwd: options.cwd });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setInterval(() => {
      if (child.pid !== undefined) onPoll(child.pid);
    }, POLL_MS);
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        wallMs: performance.now() - started,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Throws with the command's output when it did not exit 0. */
export function assertSucceeded(
  what: string,
  result: { exitCode: number; stderr: string; stdout: string },
): void {
  if (result.exitCode === 0) return;
  const output = `${result.stderr}\n${result.stdout}`.trim().slice(-2000);
  throw new Error(`${what} exited ${result.exitCode}:\n${output}`);
}
