import {
  ROOT_CONTEXT,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';

/** The instrumentation scope of every span the product makes. */
export const TRACER_NAME = 'disclosure-packager';

export interface TracingOptions {
  /** Set from OTEL_EXPORTER_OTLP_ENDPOINT; tracing is off without it. */
  endpoint?: string;
  serviceName: string;
  serviceVersion?: string;
  /** Where spans go instead of OTLP; tests pass an in-memory exporter. */
  processor?: SpanProcessor;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Flushes the spans still buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: () => Promise.resolve() };

/**
 * Registers the process's tracer provider, W3C trace context propagator
 * and async context manager. Without an endpoint (or a processor) nothing
 * is registered: the API's no-op tracer stays in place, spans cost a
 * function call and nothing is sent anywhere.
 */
export function startTracing(options: TracingOptions): Tracing {
  const processor =
    options.processor ??
    (options.endpoint
      ? // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself
        // (endpoint, /v1/traces path, headers, timeout), per the spec.
        new BatchSpanProcessor(new OTLPTraceExporter())
      : undefined);
  if (!processor) return OFF;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      ...(options.serviceVersion && {
        'service.version': options.serviceVersion,
      }),
    }),
    spanProcessors: [processor],
  });
  provider.register();
  return {
    enabled: true,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Starts a span of the product's tracer under `parent`. */
export function startSpan(
  name: string,
  options: SpanOptions,
  parent: Context = context.active(),
): Span {
  return trace.getTracer(TRACER_NAME).startSpan(name, options, parent);
}

/** Ends a span, marking it failed when an error is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    // The error's code and class only: messages may quote evidence.
    span.setStatus({ code: SpanStatusCode.ERROR, message: codeOf(error) });
    span.setAttribute('error.type', codeOf(error));
  }
  span.end();
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)) {
    return code;
  }
  return error instanceof Error ? error.constructor.name : 'unknown';
}

/** The W3C trace context of a span, as stored on a job row. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/**
 * The active trace context as W3C `traceparent`/`tracestate` values, or
 * null when no sampled span is active (always so with tracing off).
 */
export function activeTraceCarrier(): TraceCarrier | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (!carrier.traceparent) return null;
  return {
    traceparent: carrier.traceparent,
    ...(carrier.tracestate && { tracestate: carrier.tracestate }),
  };
}

/** The context a stored carrier names, to parent spans on; root if none. */
export function contextOf(carrier: TraceCarrier | null | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** `trace_id` and `span_id` of the active span, for log lines. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ids = span.spanContext();
  if (!isSpanContextValid(ids)) return {};
  return { trace_id: ids.traceId, span_id: ids.spanId };
}

/**
 * The stages of one export attempt as spans, one after the other under
 * the attempt's span. Entering a stage ends the one before it.
 */
export type TraceStage =
  | 'count'
  | 'fetch'
  | 'redact'
  | 'assemble'
  | 'sign'
  | 'store'
  | 'dlp_scan'
  | 'publish'
  | 'notify';

export class StageTrace {
  private current: Span | undefined;

  /**
   * @param parent the attempt's context (its job span)
   * @param onEnter told of every stage entered, to log it
   */
  constructor(
    private readonly parent: Context,
    private readonly onEnter: (
      stage: TraceStage,
      attributes: Attributes,
    ) => void = () => undefined,
  ) {}

  /** Ends the running stage and starts `stage`. */
  enter(stage: TraceStage, attributes: Attributes = {}): Span {
    this.end();
    this.current = startSpan(`export.${stage}`, { attributes }, this.parent);
    this.onEnter(stage, attributes);
    return this.current;
  }

  /** A span inside the running stage (redaction within a kind's fetch). */
  child(stage: TraceStage, attributes: Attributes = {}): Span {
    const within = this.current
      ? trace.setSpan(this.parent, this.current)
      : this.parent;
    return startSpan(`export.${stage}`, { attributes }, within);
  }

  /** Ends the running stage, if any, failed when an error is given. */
  end(error?: unknown): void {
    if (!this.current) return;
    endSpan(this.current, error);
    this.current = undefined;
  }

  /** Runs `work` as one stage, ending it however the work ends. */
  async run<T>(
    stage: TraceStage,
    attributes: Attributes,
    work: () => Promise<T>,
  ): Promise<T> {
    this.enter(stage, attributes);
    try {
      const result = await work();
      this.end();
      return result;
    } catch (error) {
      this.end(error);
      throw error;
    }
  }
}

/**
 * Starts tracing as the configuration says, and logs where spans go.
 * The service version comes from the package.
 */
export function tracingFromConfig(
  settings: { otlpEndpoint?: string; serviceName: string },
  version: string,
  log: (endpoint: string) => void,
): Tracing {
  const tracing = startTracing({
    endpoint: settings.otlpEndpoint,
    serviceName: settings.serviceName,
    serviceVersion: version,
  });
  if (tracing.enabled && settings.otlpEndpoint) log(settings.otlpEndpoint);
  return tracing;
}
