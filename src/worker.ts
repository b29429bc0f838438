import { composeActivities } from '../activities/platform/registry';
import * as workflows from '../workflows';
import { DOMAINS, REGISTRY } from './domains';
import { loadConfig } from './platform/config';
import { onShutdownSignal, runEntryPoint } from './platform/lifecycle';
import { createLogger } from './platform/logger';
import { createServices, type Services } from './services';
import { connectWorker } from './platform/temporal/connection';
import { ensureSearchAttributes } from './platform/temporal/ensureSearchAttributes';
import { installTemporalRuntime } from './platform/temporal/runtime';
import { ensureNotificationRelaySchedule, ensureRetentionSweepSchedule, ensureUsageCatchUpSchedule } from './platform/temporal/schedules';
import { createWorker } from './platform/temporal/worker';
import { encryptPlaintextPhoneNumbers } from './privacy/phoneNumberBackfill';
import type { WorkerOptions } from '@temporalio/worker';

export interface RunningWorker {
  /** Resolves when the worker has stopped (after `stop`, or if it fails). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Registers search attributes, then polls the task queue with every workflow and activity. */
export async function startWorker(services: Services, workflowBundle?: WorkerOptions['workflowBundle']): Promise<RunningWorker> {
  const { config, logger } = services;
  checkWorkflowsRegistered(Object.keys(workflows));
  await ensureSearchAttributes(services.temporal, config.temporal.namespace, REGISTRY.searchAttributes, (msg) => logger.warn(msg));
  await ensureNotificationRelaySchedule(services.temporal, { taskQueue: config.temporal.taskQueue, everyMs: config.notifications.relayIntervalMs });
  await ensureUsageCatchUpSchedule(services.temporal, { taskQueue: config.temporal.taskQueue, everyMs: config.prepaid.usageCatchUpIntervalMs });
  await ensureRetentionSweepSchedule(services.temporal, { scheduleId: config.retention.scheduleId, taskQueue: config.temporal.taskQueue, everyMs: config.retention.intervalMs });
  const connection = await connectWorker(config.temporal);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: composeActivities(...DOMAINS.flatMap((d) => d.activities?.({ ...services, registry: REGISTRY }) ?? [])),
    codec: services.payloadCodec,
    workflowBundle,
  });
  const done = worker.run().finally(() => connection.close());
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
  // Phone numbers stored before they were encrypted, encrypted now: in the background, calls are answered meanwhile.
  const backfill = new AbortController();
  const backfilled = encryptPlaintextPhoneNumbers(services, { signal: backfill.signal }).then(
    (result) => void (result.rows > 0 && logger.info(result, 'phone numbers stored in plaintext encrypted')),
    (err) => logger.error({ err }, 'phone numbers stored in plaintext not encrypted; the next start tries again'),
  );
  return {
    done,
    async stop() {
      backfill.abort();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all([done, backfilled]);
    },
  };
}

/**
 * Every workflow the bundle exports is registered by a domain (so the codec can attribute its payloads),
 * and every registered type is exported: either mismatch stops the worker before it polls.
 */
export function checkWorkflowsRegistered(exported: readonly string[]): void {
  const registered = new Set(REGISTRY.workflows.map((w) => w.type));
  const unregistered = exported.filter((name) => !registered.has(name));
  const missing = [...registered].filter((name) => !exported.includes(name));
  if (unregistered.length) throw new Error(`workflows no domain registers: ${unregistered.join(', ')}`);
  if (missing.length) throw new Error(`registered workflows workflows/index.ts does not export: ${missing.join(', ')}`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['DATABASE_URL'] });
  const logger = createLogger(config.logLevel, 'callgenly-worker');
  installTemporalRuntime(logger);
  const services = await createServices(config, logger);
  const bundlePath = config.temporal.workflowBundlePath;
  const worker = await startWorker(services, bundlePath ? { codePath: bundlePath } : undefined);
  onShutdownSignal(logger, async () => {
    await worker.stop();
    await services.close();
  });
  await worker.done;
}

if (require.main === module) runEntryPoint(main);
