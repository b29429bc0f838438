import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '../activities/notifications';

/**
 * Started by the `notification-relay:<taskQueue>` schedule: starts the delivery of notifications that
 * were written but whose workflow never started (the writer died in between, or Temporal was down).
 */
const { startStalledNotifications } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export async function notificationRelayWorkflow(): Promise<number> {
  return startStalledNotifications();
}
