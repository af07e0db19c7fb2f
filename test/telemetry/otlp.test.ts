import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeTraceCarrier,
  contextOf,
  startSpan,
  startTracing,
} from '../../src/telemetry/index.js';

interface Received {
  path: string;
  type: string | undefined;
  body: Buffer;
}

/** A collector stand-in: records every POST it gets. */
async function startCollector(): Promise<{
  url: string;
  got: Received[];
  server: Server;
}> {
  const got: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      got.push({
        path: req.url ?? '',
        type: req.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, got, server };
}

describe('tracing', () => {
  describe('when OTEL_EXPORTER_OTLP_ENDPOINT is not set', () => {
    it('registers nothing, and no trace context is stored on jobs', () => {
      const tracing = startTracing({ serviceName: 'dp' });
      expect(tracing.enabled).toBe(false);
      const span = startSpan('export.job', {});
      context.with(trace.setSpan(context.active(), span), () => {
        expect(span.isRecording()).toBe(false);
        expect(activeTraceCarrier()).toBeNull();
      });
      span.end();
    });
  });

  describe('when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
    let collector: Awaited<ReturnType<typeof startCollector>>;
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

    beforeAll(async () => {
      collector = await startCollector();
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
      collector.server.close();
    });

    it('sends spans as OTLP protobuf to <endpoint>/v1/traces', async () => {
      const tracing = startTracing({
        serviceName: 'dp-otlp-test',
        endpoint: collector.url,
      });
      expect(tracing.enabled).toBe(true);
      const span = startSpan('export.job', {
        attributes: { 'dp.job_id': 'job-1' },
      });
      const carrier = context.with(
        trace.setSpan(context.active(), span),
        activeTraceCarrier,
      );
      span.end();
      const traceId = span.spanContext().traceId;
      expect(carrier?.traceparent).toBe(
        `00-${traceId}-${span.spanContext().spanId}-01`,
      );
      // The worker's side: the stored carrier is the parent of its spans.
      expect(trace.getSpanContext(contextOf(carrier))?.traceId).toBe(traceId);
      await tracing.shutdown();

      expect(collector.got).toHaveLength(1);
      const [sent] = collector.got;
      expect(sent?.path).toBe('/v1/traces');
      expect(sent?.type).toBe('application/x-protobuf');
      const body = sent?.body ?? Buffer.alloc(0);
      expect(body.includes(Buffer.from('export.job'))).toBe(true);
      expect(body.includes(Buffer.from('dp-otlp-test'))).toBe(true);
      expect(body.includes(Buffer.from(traceId, 'hex'))).toBe(true);
    });
  });
});
