import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WeeklyProgressActivities } from '../../activities/coaching/weeklyProgress';
import type { WeeklyProgressInput } from './definitions';

const progress = proxyActivities<WeeklyProgressActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { maximumInterval: '5 minutes' } });

/**
 * A coaching organization's weekly progress emails, `coach-progress:<orgId>`, started Monday 09:00 in its
 * zone by its schedule: one notice per learner with a plan, for the week that ended (keyed by learner and
 * week, so a retry or a second run sends nothing twice); preferences and unsubscribe are the notifier's.
 */
export async function weeklyProgressWorkflow(input: WeeklyProgressInput): Promise<{ sent: number }> {
  return { sent: await progress.sendWeeklyProgress({ orgId: input.orgId, at: workflowInfo().startTime.toISOString() }) };
}
