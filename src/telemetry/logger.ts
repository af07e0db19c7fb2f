import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The closed set of event names the product logs. A log line always
 * carries one of these as `event`, so operators can count and alert.
 */
export type LogEvent =
  | 'server.started'
  | 'server.stopped'
  | 'request.completed'
  | 'request.failed'
  | 'job.created'
  | 'job.started'
  | 'job.stage'
  | 'job.completed'
  | 'job.partial'
  | 'job.failed'
  | 'job.retry'
  | 'job.source-retry'
  | 'job.released'
  | 'job.cancelled'
  | 'job.fenced'
  | 'job.reaped'
  | 'job.size-alert'
  | 'failpoint.reached'
  | 'worker.started'
  | 'worker.stopping'
  | 'worker.stopped'
  | 'worker.error'
  | 'jobs.recovered'
  | 'seed.completed'
  | 'key.generated'
  | 'ingest.file'
  | 'webhook.delivered'
  | 'webhook.retry'
  | 'webhook.failed'
  | 'webhook.disabled'
  | 'webhook.reaped'
  | 'webhook.error';

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where JSON lines go (stdout by default); tests read them back. */
  destination?: DestinationStream;
}

// Fields that must never reach a log line: at the top level, one level
// down (a logged object), and in request headers and query strings.
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
];
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'req.query.sig',
  'config.security',
  'config.oidc',
];

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
