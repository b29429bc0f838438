import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications/notifications';

/**
 * Started by the `notification-relay:<taskQueue>` schedule: starts the delivery of notifications that
 * were written but whose workflow never started (the writer died in between, or Temporal was down), and
 * schedules the weekly usage report of organizations that have none in their zone yet.
 */
const { startStalledNotifications, scheduleMissingUsageReports } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export async function notificationRelayWorkflow(): Promise<{ started: number; scheduled: number }> {
  return { started: await startStalledNotifications(), scheduled: await scheduleMissingUsageReports() };
}
