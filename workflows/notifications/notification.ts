import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notifications/notifications';
import type { DeliveryResult, NotificationInput } from './definitions';

/**
 * Sends one notification, `notification:<id>`. The SMTP server or Twilio being down only delays it: the
 * send retries with backoff for a day. A permanent refusal (unknown mailbox, number opted out) or a
 * day of failures ends it as `failed`, with the reason on the row for admins to see.
 */

const { deliverNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes', nonRetryableErrorTypes: ['Undeliverable'] },
});
const { markNotificationFailed } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function notificationWorkflow(input: NotificationInput): Promise<DeliveryResult> {
  try {
    return await deliverNotification(input);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await markNotificationFailed({ ...input, reason: (error.cause ?? error).message });
    return 'failed';
  }
}
