import { writeSync } from 'node:fs';
import { PackagerError } from '../domain/index.js';

/**
 * Named points in the export pipeline where a fault can be injected, to
 * prove crash safety and retries with real processes (in the manner of
 * FreeBSD's fail points or TiKV's fail-rs). Off unless DP_FAILPOINTS names
 * some; each one costs a map lookup when off.
 *
 * DP_FAILPOINTS is `name=action` pairs separated by `;`:
 * - `fail`      throw a transient error every time;
 * - `fail(N)`   throw a transient error the first N times, then pass;
 * - `pause`     report the point and wait until the attempt is aborted;
 * - `kill`      report the point and SIGKILL this process.
 */
export const FAILPOINT_NAMES = Object.freeze([
  'fetch.audit-events',
  'fetch.sboms',
  'fetch.attestations',
  'fetch.signatures',
  'fetch.policy-reports',
  'stream.audit-events',
  'store.open',
  'assemble',
  'publish.before',
  'publish.after',
] as const);

export type FailpointName = (typeof FAILPOINT_NAMES)[number];

type Action =
  { type: 'fail'; remaining: number } | { type: 'pause' } | { type: 'kill' };

const ACTION = /^(fail|pause|kill)(?:\((\d{1,6})\))?$/;

export class Failpoints {
  private readonly actions = new Map<string, Action>();

  /** Called as a point is reached with `pause` or `kill`, before acting. */
  onReached: (name: FailpointName) => void = () => undefined;

  constructor(spec = '') {
    for (const pair of spec.split(';')) {
      if (pair.trim() === '') continue;
      const [name = '', action = ''] = pair.split('=').map((s) => s.trim());
      const match = ACTION.exec(action);
      if (!FAILPOINT_NAMES.includes(name as FailpointName) || !match) {
        throw new PackagerError(
          'DP_CONFIG_INVALID',
          `DP_FAILPOINTS: cannot read ${JSON.stringify(pair)}; use ` +
            `name=fail|fail(N)|pause|kill with a name among ` +
            FAILPOINT_NAMES.join(', '),
        );
      }
      this.actions.set(name, toAction(match[1] ?? '', match[2]));
    }
  }

  get enabled(): boolean {
    return this.actions.size > 0;
  }

  /** Acts on the point if it is armed; resolves at once when it is not. */
  async reach(name: FailpointName, signal?: AbortSignal): Promise<void> {
    const action = this.actions.get(name);
    if (!action) return;
    if (action.type === 'fail') {
      if (action.remaining === 0) return;
      action.remaining -= 1;
      throw new PackagerError(
        name.startsWith('fetch.') || name.startsWith('stream.')
          ? 'DP_SOURCE_UNAVAILABLE'
          : 'DP_STORAGE_UNAVAILABLE',
        `injected failure at ${name}`,
      );
    }
    this.onReached(name);
    if (action.type === 'kill') {
      // Written synchronously: an asynchronous log line would die unsent.
      writeSync(
        2,
        `${JSON.stringify({ event: 'failpoint.reached', failpoint: name, action: 'kill' })}\n`,
      );
      process.kill(process.pid, 'SIGKILL');
    }
    // Without a signal the pause lasts until the process ends.
    await new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason as Error);
      signal?.addEventListener('abort', () => reject(signal.reason as Error), {
        once: true,
      });
    });
  }
}

function toAction(type: string, count: string | undefined): Action {
  if (type === 'fail') {
    return {
      type,
      remaining: count === undefined ? Infinity : Number(count),
    };
  }
  return { type: type === 'kill' ? 'kill' : 'pause' };
}
