import { loadConfig } from '../config/index.js';
import { createLogger } from '../telemetry/index.js';
import { openRuntime, type Runtime } from './runtime.js';

/**
 * Opens the runtime for a one-shot verb, runs it and always closes it.
 * One-shot verbs log only warnings, so their own output stays readable.
 */
export async function withRuntime<T>(
  options: { dataDir?: string },
  work: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const config = loadConfig({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    format: config.logFormat,
  });
  const runtime = await openRuntime(config, logger);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
