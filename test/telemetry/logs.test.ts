import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  startTracing,
  type Tracing,
} from '../../src/telemetry/index.js';
import {
  TOKENS,
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { readZipEntries } from '../support/zip.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const WINDOW = { from: '2026-10-21T12:00:00Z', to: '2026-11-20T12:01:00Z' };

type Line = Record<string, unknown>;

/** A debug logger writing JSON lines into memory, as production does. */
function capture() {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger({ level: 'debug', format: 'json', destination });
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  return { logger, text: () => text, lines };
}

/** Every string in a JSON value, however deep. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(stringsIn);
  }
  return [];
}

describe('the logs of the service', () => {
  const logs = capture();
  let tracing: Tracing;
  let api: TestServer;
  let jobId: string;

  beforeAll(async () => {
    tracing = startTracing({
      serviceName: 'dp-logs-test',
      processor: new SimpleSpanProcessor(new InMemorySpanExporter()),
    });
    api = await startTestServer({ now: NOW, logger: logs.logger });
    const created = await api.call('POST', '/disclosures/export', {
      body: {
        tenantId: 'acme',
        dateRange: WINDOW,
        artifacts: ['audit-events', 'sboms'],
      },
    });
    jobId = created.json.jobId as string;
    expect((await waitForJob(api, jobId)).json.status).toBe('completed');
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await tracing?.shutdown();
  });

  describe('for a request', () => {
    it('keeps the caller’s X-Request-Id, and logs one line on completion', async () => {
      const reply = await api.call('GET', '/jobs', {
        headers: { 'x-request-id': 'probe-42.a' },
      });
      expect(reply.headers.get('x-request-id')).toBe('probe-42.a');
      const mine = logs.lines().filter((l) => l.requestId === 'probe-42.a');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        event: 'request.completed',
        method: 'GET',
        route: '/jobs',
        status: 200,
        tenantId: 'acme',
      });
      expect(mine[0]?.durationMs).toEqual(expect.any(Number));
      expect(mine[0]?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    });

    it('logs a request closed before any answer as 499, not 200', async () => {
      const url = new URL(api.server.url);
      const socket = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /disclosures/export HTTP/1.1\r\nHost: x\r\n' +
          `Authorization: Bearer ${TOKENS.acme}\r\nX-Request-Id: left-early\r\n` +
          'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"a"',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      let mine: Line[] = [];
      for (let i = 0; i < 50 && mine.length === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        mine = logs.lines().filter((l) => l.requestId === 'left-early');
      }
      expect(mine).toMatchObject([{ event: 'request.completed', status: 499 }]);
    });

    it('replaces an X-Request-Id that is not a plain token', async () => {
      const reply = await api.call('GET', '/jobs', {
        headers: { 'x-request-id': 'two words\t"quoted"' },
      });
      const id = reply.headers.get('x-request-id') ?? '';
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(logs.lines().filter((l) => l.requestId === id)).toHaveLength(1);
    });
  });

  describe('for a job', () => {
    const jobLines = () => logs.lines().filter((l) => l.jobId === jobId);

    it('logs its start, each stage and its end with job, tenant and attempt', () => {
      const events = jobLines().map((l) => l.event);
      expect(events[0]).toBe('job.started');
      // The end is logged as the bundle is published; listeners follow.
      expect(events.slice(-2)).toEqual(['job.completed', 'job.stage']);
      for (const line of jobLines()) {
        expect(line).toMatchObject({ tenantId: 'acme', attempt: 1 });
      }
      const stages = jobLines()
        .filter((l) => l.event === 'job.stage')
        .map((l) => l.stage);
      expect(stages).toEqual([
        'count',
        'fetch',
        'fetch',
        'assemble',
        'sign',
        'store',
        'dlp_scan',
        'publish',
        'notify',
      ]);
    });

    it('carries the trace of the request that created the job', () => {
      const request = logs
        .lines()
        .find(
          (l) =>
            l.event === 'request.completed' &&
            l.route === '/disclosures/export',
        );
      expect(request?.trace_id).toMatch(/^[0-9a-f]{32}$/);
      for (const line of jobLines()) {
        expect(line.trace_id).toBe(request?.trace_id);
        expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      }
    });
  });

  it('never writes a token, a link signature or the evidence', async () => {
    const job = await api.call('GET', `/jobs/${jobId}`);
    const link = new URL(job.json.bundle.downloadUrl as string, api.server.url);
    const download = await fetch(link);
    expect(download.status).toBe(200);
    const file = path.join(os.tmpdir(), `dp-logs-${jobId}.zip`);
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const entries = await readZipEntries(file);

    const evidence = [...entries]
      .filter(([name]) => name.startsWith('audit-events/'))
      .flatMap(([, data]) => data.toString('utf8').split('\n'))
      .filter(Boolean)
      .flatMap((line) => stringsIn((JSON.parse(line) as Line).record))
      .filter((value) => value.length >= 12);
    expect(evidence.length).toBeGreaterThan(10);

    const text = logs.text();
    expect(text).toContain('"event":"request.completed"');
    expect(text).not.toContain(TOKENS.acme);
    expect(text).not.toContain(link.searchParams.get('sig') ?? '(none)');
    for (const value of evidence) {
      expect(text.includes(JSON.stringify(value).slice(1, -1)), value).toBe(
        false,
      );
    }
  });
});
