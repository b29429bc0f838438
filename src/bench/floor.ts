import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Config } from '../platform/config';
import { connectWorker } from '../platform/temporal/connection';
import { floorUpdate } from './floorWorkflow';

/**
 * Round trips (ms) of an Update whose local activity waits `activityMs` (the LLM's latency, so the worker
 * holds the task as long as a real turn does), minus that wait, one at a time on an idle server.
 */
export async function measureTemporalFloor(client: Client, temporal: Config['temporal'], samples: number, activityMs: number): Promise<number[]> {
  const taskQueue = `${temporal.taskQueue}-floor`;
  const connection = await connectWorker(temporal);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./floorWorkflow'),
    activities: { floorActivity: () => new Promise<number>((resolve) => setTimeout(() => resolve(activityMs), activityMs)) },
  });
  const running = worker.run();
  try {
    // The bare floor: no payload codec (the product's codec knows no such workflow, and would refuse it).
    const bare = new Client({ connection: client.connection, namespace: temporal.namespace });
    const handle = await bare.workflow.start('floorWorkflow', { taskQueue, workflowId: `bench-floor-${Date.now()}` });
    const times: number[] = [];
    for (let i = 0; i < samples + 5; i++) {
      const started = performance.now();
      await handle.executeUpdate(floorUpdate);
      if (i >= 5) times.push(performance.now() - started - activityMs); // the first few warm the worker's cache up
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await handle.terminate('measured');
    return times;
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}
