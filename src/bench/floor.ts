import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Config } from '../config';
import { connectWorker } from '../temporal/connection';
import { floorUpdate } from './floorWorkflow';

/** Round trips (ms) of an Update that runs an instant local activity, one at a time on an idle server. */
export async function measureTemporalFloor(client: Client, temporal: Config['temporal'], samples: number): Promise<number[]> {
  const taskQueue = `${temporal.taskQueue}-floor`;
  const connection = await connectWorker(temporal);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./floorWorkflow'),
    activities: { floorActivity: async () => 0 },
  });
  const running = worker.run();
  try {
    const handle = await client.workflow.start('floorWorkflow', { taskQueue, workflowId: `bench-floor-${Date.now()}` });
    const times: number[] = [];
    for (let i = 0; i < samples + 5; i++) {
      const started = performance.now();
      await handle.executeUpdate(floorUpdate);
      if (i >= 5) times.push(performance.now() - started); // the first few warm the worker's cache up
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
