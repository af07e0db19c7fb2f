import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { CORPUS_DIR } from './corpus.js';

/** One request the service saw: its path, query and credential. */
export interface Seen {
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

/** What a route serves: items in time order, and how it misbehaves. */
export interface Route {
  key: 'events' | 'documents';
  items: { time: string; value: unknown }[];
  /** Called before each answer; may answer itself (returns true). */
  fault?: (page: number, attempt: number, res: ServerResponse) => boolean;
}

export interface EvidenceService {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export const SECRET = 'connector-test-secret-0123456789';

/**
 * A customer's evidence service, for tests: each route pages through its
 * items by the read contract of docs/connectors.md (`from`/`to` half-open,
 * `limit`, an opaque `cursor`, `next_cursor` null on the last page), and
 * refuses a request without the bearer secret.
 */
export async function startEvidenceService(
  routes: Record<string, Route>,
): Promise<EvidenceService> {
  const seen: Seen[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://service');
    const query = Object.fromEntries(url.searchParams);
    seen.push({
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
    });
    const route = routes[url.pathname];
    if (!route) return answer(res, 404, { error: 'no such route' });
    if (req.headers.authorization !== `Bearer ${SECRET}`) {
      return answer(res, 401, { error: 'who are you' });
    }
    const offset = Number(query.cursor ?? '0');
    const page = Math.floor(offset / Number(query.limit)) + 1;
    const key = `${url.pathname} ${page}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (route.fault?.(page, attempt, res)) return;
    servePage(req, res, route, query, offset);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function servePage(
  _req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  query: Record<string, string>,
  offset: number,
): void {
  const from = Date.parse(query.from ?? '');
  const to = Date.parse(query.to ?? '');
  const inWindow = route.items.filter((item) => {
    const time = Date.parse(item.time);
    return time >= from && time < to;
  });
  const limit = Number(query.limit);
  const slice = inWindow.slice(offset, offset + limit);
  const next = offset + limit < inWindow.length ? String(offset + limit) : null;
  answer(res, 200, {
    [route.key]: slice.map((item) => item.value),
    next_cursor: next,
  });
}

export function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The records of a corpus JSON Lines audit log, with their times. */
export function corpusEvents(
  file: string,
  timeOf: (record: Record<string, unknown>) => string,
): Route['items'] {
  return readFileSync(path.join(CORPUS_DIR, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .map((record) => ({ time: timeOf(record), value: record }))
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** Corpus files as the documents of a page, each given a time. */
export function corpusDocuments(
  files: { file: string; time: string }[],
): Route['items'] {
  return files.map(({ file, time }) => {
    const bytes = readFileSync(path.join(CORPUS_DIR, file));
    return {
      time,
      value: {
        name: path.basename(file),
        time,
        content: bytes.toString('base64'),
        sha512: createHash('sha512').update(bytes).digest('hex'),
      },
    };
  });
}
