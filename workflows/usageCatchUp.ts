import { proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities/billing';

/**
 * Started by the `usage-catch-up:<taskQueue>` schedule (hourly): bills usage the call workflows left
 * unbilled (calls from before billing existed, or whose billing gave up after 20 hours).
 */
const { billUnreportedUsage } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3 },
});

export async function usageCatchUpWorkflow(): Promise<{ billed: number; failed: number }> {
  return billUnreportedUsage({ limit: 500 });
}
