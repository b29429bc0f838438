import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications/notifications';

/**
 * One weekly usage report of one organization, started by its schedule `usage-report:<orgId>` (Monday
 * 08:00 in the organization's zone). The run's own id names the report, so a retried activity sends it once.
 */
const { sendUsageReport } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

const WEEK_MS = 7 * 24 * 3600_000;

export async function usageReportWorkflow(input: { orgId: string }): Promise<number> {
  const { startTime, workflowId } = workflowInfo();
  // The week up to this run's start: from history, so the same on replay.
  return sendUsageReport({
    orgId: input.orgId,
    periodStart: new Date(startTime.getTime() - WEEK_MS).toISOString(),
    periodEnd: startTime.toISOString(),
    cause: `usage-report:${workflowId}`,
  });
}
