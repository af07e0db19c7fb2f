import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/telemetry/index.js';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const WINDOW = { from: '2026-10-21T12:00:00Z', to: '2026-11-20T12:01:00Z' };
const KINDS = ['audit-events', 'sboms', 'policy-reports'];

// Span attributes the product may set. Anything else (a header, a query
// string, a value from the evidence) must never show up in a span.
const ALLOWED_ATTRIBUTES = new Set([
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.path',
  'dp.request_id',
  'dp.tenant_id',
  'dp.job_id',
  'dp.attempt',
  'dp.artifact_kinds',
  'dp.artifact_kind',
  'dp.redaction_policy',
  'dp.redact.busy_ms',
  'dp.redact.values_changed',
  'dp.bundle.bytes',
  'dp.job_status',
  'dp.notify.listeners',
  'dp.attempt_outcome',
  'error.type',
]);

const exporter = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(() => {
  tracing = startTracing({
    serviceName: 'disclosure-packager-test',
    processor: new SimpleSpanProcessor(exporter),
  });
});
afterAll(async () => {
  await tracing?.shutdown();
});

describe('the traces of one export', () => {
  let api: TestServer;
  let jobId: string;
  let spans: ReadableSpan[];

  beforeAll(async () => {
    api = await startTestServer({ now: NOW });
    const created = await api.call('POST', '/disclosures/export', {
      body: { tenantId: 'acme', dateRange: WINDOW, artifacts: KINDS },
    });
    expect(created.status).toBe(202);
    jobId = created.json.jobId as string;
    const done = await waitForJob(api, jobId);
    expect(done.json.status).toBe('completed');
    spans = await spansUntil(exporter, (all) =>
      all.some((s) => s.name === 'export.job'),
    );
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  const named = (name: string) => spans.filter((s) => s.name === name);
  const one = (name: string) => {
    const found = named(name);
    expect(found, name).toHaveLength(1);
    return found[0] as ReadableSpan;
  };

  it('parents the job span on the request that created the job', () => {
    const request = one('POST /disclosures/export');
    const job = one('export.job');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.attributes['http.response.status_code']).toBe(202);
    expect(request.attributes['dp.tenant_id']).toBe('acme');
    expect(job.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(job.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(job.attributes).toMatchObject({
      'dp.job_id': jobId,
      'dp.tenant_id': 'acme',
      'dp.attempt': 1,
      'dp.job_status': 'completed',
    });
    expect(job.attributes['dp.bundle.bytes']).toBeGreaterThan(0);
  });

  it('has a span for every stage, in order, under the job span', () => {
    const job = one('export.job');
    const stages = spans
      .filter((s) => s.parentSpanContext?.spanId === job.spanContext().spanId)
      .sort((a, b) => toNs(a.startTime) - toNs(b.startTime));
    expect(stages.map((s) => s.name)).toEqual([
      'export.count',
      ...KINDS.map(() => 'export.fetch'),
      'export.assemble',
      'export.sign',
      'export.store',
      'export.dlp_scan',
      'export.publish',
      'export.notify',
    ]);
    const fetched = stages
      .filter((s) => s.name === 'export.fetch')
      .map((s) => s.attributes['dp.artifact_kind']);
    expect(fetched).toEqual(KINDS);
    for (const stage of stages) {
      expect(stage.spanContext().traceId).toBe(job.spanContext().traceId);
      expect(stage.ended).toBe(true);
      expect(toNs(stage.startTime)).toBeGreaterThanOrEqual(toNs(job.startTime));
    }
  });

  it('times redaction inside the fetch of the kinds it applies to', () => {
    const redact = one('export.redact');
    const parent = spans.find(
      (s) => s.spanContext().spanId === redact.parentSpanContext?.spanId,
    );
    expect(parent?.name).toBe('export.fetch');
    expect(parent?.attributes['dp.artifact_kind']).toBe('audit-events');
    expect(redact.attributes['dp.redaction_policy']).toBe('default');
    expect(redact.attributes['dp.redact.busy_ms']).toBeGreaterThanOrEqual(0);
  });

  it('puts no attribute in a span beyond ids, kinds, sizes and times', () => {
    const job = one('export.job');
    const trace = spans.filter(
      (s) => s.spanContext().traceId === job.spanContext().traceId,
    );
    for (const span of trace) {
      for (const key of Object.keys(span.attributes)) {
        expect(ALLOWED_ATTRIBUTES, `${span.name}: ${key}`).toContain(key);
      }
      expect(span.events).toEqual([]);
    }
  });

  it('joins a trace the caller started (W3C traceparent)', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const reply = await api.call('GET', `/jobs/${jobId}`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(reply.status).toBe(200);
    const [read] = await spansUntil(exporter, (all) =>
      all.some((s) => s.spanContext().traceId === traceId),
    ).then((all) => all.filter((s) => s.spanContext().traceId === traceId));
    expect(read?.name).toBe('GET /jobs/:id');
    expect(read?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});

describe('the traces of an export retried once', () => {
  let api: TestServer;
  let jobs: ReadableSpan[];

  beforeAll(async () => {
    api = await startTestServer({
      now: NOW,
      jobs: {
        failpoints: 'publish.before=fail(1)',
        maxAttempts: 2,
        retryBaseSeconds: 0.05,
      },
    });
    const created = await api.call('POST', '/disclosures/export', {
      body: { tenantId: 'acme', dateRange: WINDOW, artifacts: ['sboms'] },
    });
    const jobId = created.json.jobId as string;
    expect((await waitForJob(api, jobId)).json.status).toBe('completed');
    const ofJob = (all: ReadableSpan[]) =>
      all.filter(
        (s) => s.name === 'export.job' && s.attributes['dp.job_id'] === jobId,
      );
    jobs = ofJob(await spansUntil(exporter, (all) => ofJob(all).length === 2));
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('shows both attempts under the request, the first failed', () => {
    const [first, second] = jobs.sort(
      (a, b) => toNs(a.startTime) - toNs(b.startTime),
    );
    expect(first?.parentSpanContext?.spanId).toBe(
      second?.parentSpanContext?.spanId,
    );
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(first?.attributes).toMatchObject({
      'dp.attempt': 1,
      'dp.attempt_outcome': 'retry',
    });
    expect(second?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(second?.attributes).toMatchObject({
      'dp.attempt': 2,
      'dp.job_status': 'completed',
    });
    const publish = exporter
      .getFinishedSpans()
      .find(
        (s) =>
          s.name === 'export.publish' &&
          s.parentSpanContext?.spanId === first?.spanContext().spanId,
      );
    expect(publish?.status.code).toBe(SpanStatusCode.ERROR);
    expect(publish?.attributes['error.type']).toBe('DP_STORAGE_UNAVAILABLE');
  });
});

function toNs([seconds, nanos]: [number, number]): number {
  return seconds * 1e9 + nanos;
}

/** The finished spans, once `ready` holds of them (spans end async). */
async function spansUntil(
  exporter: InMemorySpanExporter,
  ready: (spans: ReadableSpan[]) => boolean,
): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const spans = exporter.getFinishedSpans();
    if (ready(spans)) return spans;
    if (Date.now() > deadline) throw new Error('the spans never came');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
