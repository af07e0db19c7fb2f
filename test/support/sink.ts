import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  status: number;
  idempotencyKey: string | undefined;
  body: { batchId: string; events: Record<string, unknown>[] };
}

/**
 * A real HTTP endpoint standing in for an analytics sink: it answers the
 * given statuses in turn (then 200) and records every request.
 */
export async function startSink(statuses: number[] = []) {
  const requests: SinkRequest[] = [];
  const queue = [...statuses];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = queue.shift() ?? 200;
      requests.push({
        status,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        body: JSON.parse(
          Buffer.concat(chunks).toString('utf8'),
        ) as SinkRequest['body'],
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    requests,
    /** The events the sink accepted (answered 2xx), in order. */
    accepted: () =>
      requests.filter((r) => r.status < 300).flatMap((r) => r.body.events),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits until `ready` holds, or fails after `ms`. */
export async function eventually(
  ready: () => boolean,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
