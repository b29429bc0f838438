import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { Worker, type ActivityInterceptorsFactory, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { stageTimings, type Stage } from '../stageTimings';

/** workflows/index in whichever tree we run from (src via tsx/jest, dist/ after a build). */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../../../workflows', `index${path.extname(__filename)}`);

export interface WorkerParams {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** Encrypts organizations' payloads (payloadCodec.ts); the client uses the same one. */
  codec: PayloadCodec;
  /** A prebuilt bundle (tests build one per run); otherwise workflow code is bundled at start-up. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * How the product's worker polls and caches: chosen from `npm run bench`'s floor, measured at 50 paced calls
 * with these and with the SDK's defaults in the same run (README, "The call-turn benchmark").
 */
export const WORKER_TUNING = {
  // Turns of concurrent calls must not queue behind each other: more workflow-task slots than the default
  // 40 (see shared/research/temporal.md); each turn holds one while its agent's local activity runs.
  maxConcurrentWorkflowTaskExecutions: 100,
  // Pollers scaled by the server's feedback (Temporal's recommended setting, server ≥ 1.28) rather than a
  // hand-picked fixed 8: the bench measured no difference beyond its noise between the two on this machine
  // (README, "Worker tuning"), and this one follows the load instead of a number chosen on one machine.
  workflowTaskPollerBehavior: { type: 'autoscaling' },
  // A workflow's next task waits this long on the sticky queue of the worker that last ran it before any
  // worker may take it. A caller waits through it when that worker has died: 3 s instead of the SDK's 10
  // (measured with npm run chaos; a live worker picks its sticky tasks up in milliseconds).
  stickyQueueScheduleToStartTimeout: '3 seconds',
} satisfies Partial<WorkerOptions>;

/** The activities on a caller's critical path, timed for `npm run bench -- --profile` (nothing otherwise). */
const TIMED_ACTIVITIES: Record<string, Stage> = {
  agentTurn: 'worker: agentTurn local activity (whole)',
};
const timedActivities: ActivityInterceptorsFactory = (ctx) => {
  const stage = TIMED_ACTIVITIES[ctx.info.activityType];
  return stage ? { inbound: { execute: (input, next) => stageTimings.time(stage, () => next(input)) } } : {};
};

export function createWorker(params: WorkerParams): Promise<Worker> {
  return Worker.create({
    connection: params.connection,
    namespace: params.namespace,
    taskQueue: params.taskQueue,
    activities: params.activities,
    dataConverter: { payloadCodecs: [params.codec] },
    ...(params.workflowBundle ? { workflowBundle: params.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...WORKER_TUNING,
    interceptors: { activity: [timedActivities] },
    shutdownGraceTime: '10 seconds',
  });
}
