import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

/**
 * The benchmark's yardstick, run on its own task queue: a workflow whose Update only runs a local
 * activity that waits as long as asked (the LLM's latency for a turn, nothing for the answer). Its round
 * trip, less that wait, is what any Update-plus-local-activity turn costs on this Temporal server and
 * machine before Callgenly's code runs.
 */
export const floorUpdate = defineUpdate<number, [number]>('floor');

const { floorActivity } = proxyLocalActivities<{ floorActivity(ms: number): Promise<number> }>({ startToCloseTimeout: '5 seconds' });

export async function floorWorkflow(): Promise<void> {
  setHandler(floorUpdate, (ms) => floorActivity(ms));
  await condition(() => false);
}
