import { Context } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating every 2 s, so a worker that dies in the middle (a provider's answer still
 * on its way) is noticed within the activity's heartbeat timeout and the activity retried elsewhere,
 * instead of after its whole start-to-close timeout. Outside an activity (the benchmark) it just runs.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), 2_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
