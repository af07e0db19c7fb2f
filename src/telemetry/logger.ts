import { pino, type DestinationStream, type Logger } from 'pino';
import { activeTraceFields } from './tracing.js';

export type { Logger };

/**
 * The closed set of event names the product logs. Every log line carries
 * one of these as `event`, so operators can count and alert on them; a
 * test reads every log call in src/ and holds it to this list.
 */
export const LOG_EVENTS = Object.freeze([
  'server.started',
  'server.stopping',
  'server.stopped',
  'request.completed',
  'request.failed',
  'job.created',
  'job.started',
  'job.stage',
  'job.completed',
  'job.partial',
  'job.failed',
  'job.retry',
  'job.source-retry',
  'job.released',
  'job.cancelled',
  'job.fenced',
  'job.reaped',
  'job.size-alert',
  'job.dlp-hit',
  'failpoint.reached',
  'worker.started',
  'worker.stopping',
  'worker.stopped',
  'worker.error',
  'jobs.recovered',
  'seed.completed',
  'key.generated',
  'key.activated',
  'ingest.file',
  'tracing.started',
  'analytics.error',
  'analytics.sink-retry',
  'analytics.sink-dropped',
  'storage.warning',
  'retention.swept',
  'retention.error',
  'provenance.error',
  'security.shared-login',
  'audit.failed',
  'webhook.delivered',
  'webhook.disabled',
  'webhook.error',
  'webhook.failed',
  'webhook.reaped',
  'webhook.retry',
] as const);

export type LogEvent = (typeof LOG_EVENTS)[number];

export function isLogEvent(value: unknown): value is LogEvent {
  return LOG_EVENTS.includes(value as LogEvent);
}

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where JSON lines go (stdout by default); tests read them back. */
  destination?: DestinationStream;
}

// Fields that must never reach a log line: at the top level, one level
// down (a logged object), and in request headers and query strings.
// Secrets first, then what could carry evidence: a record, a document's
// content, a request or response body, a matched value.
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'token',
  'tokens',
  'password',
  'secret',
  'sig',
  'signingKeyPassword',
  'linkSecret',
  'apiTokens',
  'neo4jPassword',
  'operatorTokens',
];
const EVIDENCE_FIELDS = [
  'record',
  'content',
  'body',
  'evidence',
  'match',
  'sample',
];
const HIDDEN_FIELDS = [...SECRET_FIELDS, ...EVIDENCE_FIELDS];
export const REDACT_PATHS = [
  ...HIDDEN_FIELDS,
  ...HIDDEN_FIELDS.map((field) => `*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'req.query.sig',
  'config.security',
  'config.oidc',
];

/**
 * The product's logger: JSON lines (production) or pino-pretty
 * (development), secrets and evidence redacted, and the trace and span
 * ids of the active span on every line logged inside one.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin: activeTraceFields,
  };
  if (options.destination) return pino(settings, options.destination);
  return pino({
    ...settings,
    transport:
      options.format === 'pretty'
        ? { target: 'pino-pretty', options: { destination: 2 } }
        : undefined,
  });
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
