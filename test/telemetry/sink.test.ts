import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpEventSink,
  Metrics,
  silentLogger,
  type AnalyticsEvent,
  type SinkOptions,
} from '../../src/telemetry/index.js';
import { eventually, startSink } from '../support/sink.js';

function anEvent(n: number): AnalyticsEvent {
  return {
    name: 'export.completed',
    tenantId: 'acme',
    jobId: `job-${n}`,
    occurredAt: new Date('2026-11-20T12:00:00Z'),
    bytes: 1000 + n,
    durationMs: 2000,
    items: 10,
  };
}

async function counted(metrics: Metrics, name: string, label?: string) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === name,
  );
  return (metric?.values ?? [])
    .filter((v) => !label || v.labels.outcome === label)
    .reduce((sum, v) => sum + v.value, 0);
}

describe('the analytics sink', () => {
  const sinks: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });

  const sinkFor = (url: string, options: Partial<SinkOptions> = {}) => {
    const metrics = new Metrics({ defaults: false });
    const sink = new HttpEventSink({
      url,
      batchSize: 2,
      flushMs: 20,
      bufferSize: 100,
      retries: 3,
      retryBaseMs: 20,
      retryMaxMs: 100,
      urlPolicy: { allowList: ['127.0.0.1'] },
      userAgent: 'disclosure-packager/test',
      metrics,
      logger: silentLogger(),
      ...options,
    });
    return { sink, metrics };
  };

  it('retries a batch the sink refuses, with the same key, until it is taken', async () => {
    const server = await startSink([503, 500]);
    sinks.push(server);
    const { sink, metrics } = sinkFor(server.url);
    for (const n of [1, 2, 3]) sink.offer(anEvent(n));

    await eventually(() => server.accepted().length === 3);
    expect(server.accepted().map((e) => e.jobId)).toEqual([
      'job-1',
      'job-2',
      'job-3',
    ]);
    const [first, second, third] = server.requests;
    expect([first?.status, second?.status, third?.status]).toEqual([
      503, 500, 200,
    ]);
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
    expect(third?.body.batchId).toBe(first?.idempotencyKey);
    expect(server.accepted()[0]).toEqual({
      name: 'export.completed',
      tenantId: 'acme',
      jobId: 'job-1',
      occurredAt: '2026-11-20T12:00:00.000Z',
      bytes: 1001,
      durationMs: 2000,
      items: 10,
      details: {},
    });
    expect(
      await counted(metrics, 'dp_analytics_sink_posts_total', 'failed'),
    ).toBe(2);
    expect(await counted(metrics, 'dp_analytics_sink_dropped_total')).toBe(0);
  });

  it('never makes the caller wait, even when the sink hangs', async () => {
    // Accepts connections and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) =>
      silent.listen(0, '127.0.0.1', resolve),
    );
    sinks.push({
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      },
    });
    const { port } = silent.address() as AddressInfo;
    const { sink, metrics } = sinkFor(`http://127.0.0.1:${port}/events`, {
      retries: 0,
      timeoutMs: 60_000,
    });
    const started = process.hrtime.bigint();
    for (let n = 0; n < 1000; n += 1) sink.offer(anEvent(n));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeLessThan(200);
    await eventually(() => sockets.length > 0);
    // The first batch is on its way, the rest wait in the buffer.
    expect(await counted(metrics, 'dp_analytics_sink_posts_total')).toBe(0);
  });

  it('keeps a bounded buffer, dropping the oldest events', async () => {
    const server = await startSink();
    sinks.push(server);
    const { sink, metrics } = sinkFor(server.url, {
      batchSize: 100,
      flushMs: 60_000,
      bufferSize: 3,
    });
    for (let n = 1; n <= 10; n += 1) sink.offer(anEvent(n));
    expect(await counted(metrics, 'dp_analytics_sink_dropped_total')).toBe(7);
    await sink.close();
    expect(server.accepted().map((e) => e.jobId)).toEqual([
      'job-8',
      'job-9',
      'job-10',
    ]);
  });

  it('drops a batch once its retries are spent, and carries on', async () => {
    const server = await startSink([500, 500, 500]);
    sinks.push(server);
    const { sink, metrics } = sinkFor(server.url, { retries: 2, batchSize: 1 });
    sink.offer(anEvent(1));
    sink.offer(anEvent(2));
    await eventually(() => server.accepted().length === 1);
    expect(server.accepted()[0]?.jobId).toBe('job-2');
    expect(await counted(metrics, 'dp_analytics_sink_dropped_total')).toBe(1);
  });

  it('refuses a sink at a private address that is not allow-listed', async () => {
    const server = await startSink();
    sinks.push(server);
    const { sink, metrics } = sinkFor(server.url, {
      urlPolicy: { allowList: [] },
      retries: 0,
    });
    sink.offer(anEvent(1));
    sink.offer(anEvent(2));
    const deadline = Date.now() + 5000;
    while ((await counted(metrics, 'dp_analytics_sink_dropped_total')) < 2) {
      if (Date.now() > deadline) throw new Error('never dropped');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.requests).toEqual([]);
    expect(
      await counted(metrics, 'dp_analytics_sink_posts_total', 'sent'),
    ).toBe(0);
  });
});
