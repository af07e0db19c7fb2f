export {
  LOG_EVENTS,
  REDACT_PATHS,
  createLogger,
  isLogEvent,
  silentLogger,
} from './logger.js';
export type { Logger, LogEvent, LoggerOptions } from './logger.js';
export { Metrics, ProbeMetrics } from './metrics.js';
export type { QueueState } from './metrics.js';
export {
  StageTrace,
  TRACER_NAME,
  activeTraceCarrier,
  activeTraceFields,
  contextOf,
  endSpan,
  startSpan,
  startTracing,
  tracingFromConfig,
} from './tracing.js';
export type {
  TraceCarrier,
  TraceStage,
  Tracing,
  TracingOptions,
} from './tracing.js';
export { Analytics, ANALYTICS_EVENTS, toWireEvent } from './analytics.js';
export type {
  AnalyticsEvent,
  AnalyticsEventName,
  EventSink,
} from './analytics.js';
export { HttpEventSink } from './sink.js';
export type { SinkOptions } from './sink.js';
export { adoptionReport } from './adoption.js';
export type { AdoptionFigures, AdoptionReport } from './adoption.js';
