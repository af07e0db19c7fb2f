import { pino, type Logger } from 'pino';

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
  | 'ingest.file';

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
}

// Fields that must never reach a log line, wherever they appear.
const REDACT = [
  'authorization',
  'req.headers.authorization',
  'token',
  'password',
  'signingKeyPassword',
  'apiTokens',
];

export function createLogger(options: LoggerOptions): Logger {
  return pino({
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
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
