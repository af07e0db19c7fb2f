import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running `disclosure-packager start`, and how to stop it. */
export interface RunningServer {
  baseUrl: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;

/**
 * Starts the product's server on a free local port and waits until it
 * answers HTTP. Its output is kept and shown only if it fails to start.
 */
export async function startServer(
  cliPath: string,
  env: NodeJS.ProcessEnv,
): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [cliPath, 'start'], {
    env: { ...env, DP_HOST: '127.0.0.1', DP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilListening(baseUrl, child);
  } catch (error) {
    await stopChild(child);
    throw new Error(`server did not start: ${String(error)}\n${output}`, {
      cause: error,
    });
  }
  return { baseUrl, stop: () => stopChild(child) };
}

async function waitUntilListening(baseUrl: string, child: ChildProcess) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}`);
    try {
      // Any HTTP answer at all means the listener is up.
      await fetch(`${baseUrl}/openapi.json`);
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`no answer within ${READY_TIMEOUT_MS} ms`);
}

/** SIGTERM, then SIGKILL if it has not exited after a grace period. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** A port the OS says is free now (a small race, fine for a benchmark). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
