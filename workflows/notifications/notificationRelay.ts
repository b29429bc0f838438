import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications/notifications';

/**
 * Started by the `notification-relay:<taskQueue>` schedule: starts the delivery of notifications that
 * were written but whose workflow never started (the writer died in between, or Temporal was down), and
 * schedules the weekly usage report of organizations that have none in their zone yet.
 */
// A database restart must not fail the run (three attempts a second apart did, in npm run chaos): tried for
// five minutes, then the run fails visibly and the next one, a minute later, does its work anyway.
const { startStalledNotifications, scheduleMissingUsageReports } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds' },
});

export async function notificationRelayWorkflow(): Promise<{ started: number; scheduled: number }> {
  return { started: await startStalledNotifications(), scheduled: await scheduleMissingUsageReports() };
}
