import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Sends the Temporal SDK's own logs (worker state, bundling, workflow logs) through our JSON logger, from
 * WARN up: its INFO output is the webpack report of every bundling. Must run before any Worker or
 * NativeConnection is created; later calls are ignored.
 */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'WARN', options: { prometheus?: { bindAddress: string; histogramBucketOverrides?: Record<string, number[]> } } = {}): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
        logger[PINO_LEVEL[l]]({ component: 'temporal', ...meta }, message);
      }),
      // The worker's own metrics (workflow-task latencies), scraped by `npm run bench -- --profile`.
      ...(options.prometheus ? { telemetryOptions: { metrics: { prometheus: options.prometheus } } } : {}),
    });
  } catch {
    // Already installed in this process (tests, or the dev command starting the worker after the server).
  }
}
