import { createActivities } from '../activities';
import { loadConfig } from './platform/config';
import { onShutdownSignal, runEntryPoint } from './platform/lifecycle';
import { createLogger } from './platform/logger';
import { createServices, type Services } from './services';
import { connectWorker } from './platform/temporal/connection';
import { ensureSearchAttributes } from './platform/temporal/ensureSearchAttributes';
import { installTemporalRuntime } from './platform/temporal/runtime';
import { ensureNotificationRelaySchedule, ensureRetentionSweepSchedule, ensureUsageCatchUpSchedule } from './platform/temporal/schedules';
import { createWorker } from './platform/temporal/worker';
import type { WorkerOptions } from '@temporalio/worker';

export interface RunningWorker {
  /** Resolves when the worker has stopped (after `stop`, or if it fails). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Registers search attributes, then polls the task queue with every workflow and activity. */
export async function startWorker(services: Services, workflowBundle?: WorkerOptions['workflowBundle']): Promise<RunningWorker> {
  const { config, logger } = services;
  await ensureSearchAttributes(services.temporal, config.temporal.namespace, (msg) => logger.warn(msg));
  await ensureNotificationRelaySchedule(services.temporal, { taskQueue: config.temporal.taskQueue, everyMs: config.notifications.relayIntervalMs });
  await ensureUsageCatchUpSchedule(services.temporal, { taskQueue: config.temporal.taskQueue, everyMs: config.prepaid.usageCatchUpIntervalMs });
  await ensureRetentionSweepSchedule(services.temporal, { scheduleId: config.retention.scheduleId, taskQueue: config.temporal.taskQueue, everyMs: config.retention.intervalMs });
  const connection = await connectWorker(config.temporal);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(services),
    codec: services.payloadCodec,
    workflowBundle,
  });
  const done = worker.run().finally(() => connection.close());
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['DATABASE_URL'] });
  const logger = createLogger(config.logLevel, 'callgenly-worker');
  installTemporalRuntime(logger);
  const services = await createServices(config, logger);
  const worker = await startWorker(services);
  onShutdownSignal(logger, async () => {
    await worker.stop();
    await services.close();
  });
  await worker.done;
}

if (require.main === module) runEntryPoint(main);
