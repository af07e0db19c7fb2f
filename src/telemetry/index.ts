export { createLogger, silentLogger } from './logger.js';
export type { Logger, LogEvent, LoggerOptions } from './logger.js';
export { Metrics } from './metrics.js';
export type { QueueState } from './metrics.js';
