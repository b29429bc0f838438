import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

/**
 * The benchmark's yardstick, run on its own task queue: a workflow whose Update only runs a local
 * activity that waits as long as the LLM would. Its round trip, less that wait, is what any
 * Update-plus-local-activity turn costs on this Temporal server and machine before Callgenly's code runs.
 */
export const floorUpdate = defineUpdate<number>('floor');

const { floorActivity } = proxyLocalActivities<{ floorActivity(): Promise<number> }>({ startToCloseTimeout: '5 seconds' });

export async function floorWorkflow(): Promise<void> {
  setHandler(floorUpdate, () => floorActivity());
  await condition(() => false);
}
