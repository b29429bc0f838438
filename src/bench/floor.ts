import { randomBytes } from 'node:crypto';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../platform/config';
import { connectWorker } from '../platform/temporal/connection';
import { PAUSE_MS } from './callers';
import { floorUpdate } from './floorWorkflow';

export interface FloorRun {
  /** Update-with-start whose local activity does nothing: the floor of answering a call. */
  answers: number[];
  /** Updates whose local activity waits `activityMs`, less that wait: the floor of a turn. */
  turns: number[];
  /** Wall time of the measured calls (for throughput when not paced). */
  seconds: number;
}

/**
 * Temporal's own cost of our call path's shape, under the bench's load: `calls` concurrent "calls", each an
 * Update-with-start (the answer) then `turns` Updates running a local activity as long as the LLM, paced
 * like the callers. Run by a worker with `tuning` (the product's, or the SDK's defaults with `{}`), in this
 * process as the product runs its worker beside the API; no payload codec (the product's knows no such workflow).
 */
export async function measureTemporalFloor(
  client: Client,
  temporal: Config['temporal'],
  load: { calls: number; turns: number; activityMs: number; paced: boolean },
  tuning: Partial<WorkerOptions>,
): Promise<FloorRun> {
  const taskQueue = `${temporal.taskQueue}-floor-${randomBytes(3).toString('hex')}`;
  const connection = await connectWorker(temporal);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./floorWorkflow'),
    activities: { floorActivity: (ms: number) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms)) },
    ...tuning,
  });
  const running = worker.run();
  const bare = new Client({ connection: client.connection, namespace: temporal.namespace });
  const run: FloorRun = { answers: [], turns: [], seconds: 0 };
  const pause = () => new Promise((r) => setTimeout(r, load.paced ? PAUSE_MS[0] + Math.random() * (PAUSE_MS[1] - PAUSE_MS[0]) : 0));
  const call = async (measured: boolean) => {
    if (load.paced && measured) await new Promise((r) => setTimeout(r, Math.random() * 3000)); // calls ring within 3 s, as the callers do
    const workflowId = `bench-floor-${randomBytes(6).toString('hex')}`;
    let started = performance.now();
    await bare.workflow.executeUpdateWithStart(floorUpdate, {
      args: [0],
      startWorkflowOperation: new WithStartWorkflowOperation('floorWorkflow', { workflowId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING' }),
    });
    if (measured) run.answers.push(performance.now() - started);
    const handle = bare.workflow.getHandle(workflowId);
    for (let turn = 0; turn < load.turns; turn++) {
      await pause();
      started = performance.now();
      await handle.executeUpdate(floorUpdate, { args: [load.activityMs] });
      if (measured) run.turns.push(performance.now() - started - load.activityMs);
    }
    await handle.terminate('measured');
  };
  try {
    await Promise.all(Array.from({ length: 3 }, () => call(false))); // warms the worker's cache and connections up
    const started = performance.now();
    await Promise.all(Array.from({ length: load.calls }, () => call(true)));
    run.seconds = (performance.now() - started) / 1000;
    return run;
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}
