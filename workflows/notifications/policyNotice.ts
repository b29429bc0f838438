import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications/notifications';
import type { NotificationPayloads } from '../../src/notifications/kinds';

/**
 * Tells every user about a material policy change, `policy-notice:<version>`: users in id order, a batch
 * per activity, the position carried forward, so a crash resumes where it stopped and nobody is told
 * twice (each user's notice is keyed on this workflow). Long runs continue as new to keep history small.
 */
const { notifyPolicyBatch } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export interface PolicyNoticeInput {
  notice: NotificationPayloads['policy.changed'];
  batchSize?: number;
  /** The last user already notified (set when continuing as new). */
  afterUserId?: string;
  notified?: number;
}

export async function policyNoticeWorkflow(input: PolicyNoticeInput): Promise<{ notified: number }> {
  const batchSize = input.batchSize ?? 500;
  let after = input.afterUserId ?? '';
  let notified = input.notified ?? 0;
  for (let batch = 0; batch < 100; batch++) {
    const done = await notifyPolicyBatch({ notice: input.notice, cause: `policy:${workflowInfo().workflowId}`, afterUserId: after, limit: batchSize });
    notified += done.users;
    if (!done.lastUserId) return { notified };
    after = done.lastUserId;
  }
  return continueAsNew<typeof policyNoticeWorkflow>({ ...input, afterUserId: after, notified });
}
