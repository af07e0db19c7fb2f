import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it, and how it answered. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The status the receiver chose. */
  answered: number | null;
  /** Whether the answer reached the sender before it hung up. */
  sent: boolean;
  at: number;
}

/** What the receiver does with the nth request (from 1) to a path. */
export interface Behaviour {
  status: number;
  /** Waits this long before answering. */
  delayMs?: number;
  headers?: Record<string, string>;
}

export type Script = (nth: number, req: IncomingMessage) => Behaviour;

/**
 * A real HTTP receiver on 127.0.0.1 and a free port, scripted per path,
 * that keeps every request it got and counts requests in flight.
 */
export interface Receiver {
  url(path: string): string;
  script(path: string, script: Script): void;
  received(path?: string): Received[];
  /** The most requests it ever had in flight at once, per path. */
  maxInFlight(path: string): number;
  /** Resolves once `count` requests to `path` have been answered. */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, Script>();
  const seen: Received[] = [];
  const counts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const now = (inFlight.get(path) ?? 0) + 1;
    inFlight.set(path, now);
    peaks.set(path, Math.max(peaks.get(path) ?? 0, now));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const nth = (counts.get(path) ?? 0) + 1;
    counts.set(path, nth);
    const script: Script = scripts.get(path) ?? (() => ({ status: 200 }));
    const behaviour: Behaviour = script(nth, req);
    const entry: Received = {
      path,
      headers: req.headers as Record<string, string>,
      body: Buffer.concat(chunks),
      answered: null,
      sent: false,
      at: Date.now(),
    };
    const delayMs = behaviour.delayMs ?? 0;
    if (delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    inFlight.set(path, (inFlight.get(path) ?? 1) - 1);
    entry.answered = behaviour.status;
    seen.push(entry);
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(behaviour.status, {
      'content-type': 'text/plain',
      ...behaviour.headers,
    });
    res.end('ok', () => {
      entry.sent = true;
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    script: (path, script) => scripts.set(path, script),
    received: (path) => seen.filter((r) => !path || r.path === path),
    maxInFlight: (path) => peaks.get(path) ?? 0,
    waitFor: async (path, count, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (seen.filter((r) => r.path === path).length < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `${path} got ${seen.filter((r) => r.path === path).length} ` +
              `requests in ${timeoutMs} ms, not ${count}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
