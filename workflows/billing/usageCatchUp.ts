import { deprecatePatch, proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../../activities/billing/usage';
import type { BillingCycleActivities } from '../../activities/billing/billingCycle';

/**
 * Started by the `usage-catch-up:<taskQueue>` schedule (hourly): bills usage the call workflows left
 * unbilled (calls from before billing existed, or whose billing gave up after 20 hours), and starts the
 * billing cycle of organizations that have none (their creation could not reach Temporal).
 */
// Like the notification relay: a database restart is waited out (for 20 minutes), not three quick failures.
const { billUnreportedUsage, startMissingBillingCycles } = proxyActivities<BillingActivities & BillingCycleActivities>({
  startToCloseTimeout: '10 minutes',
  scheduleToCloseTimeout: '20 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export async function usageCatchUpWorkflow(): Promise<{ billed: number; failed: number; cyclesStarted?: number }> {
  const billed = await billUnreportedUsage({ limit: 500 });
  deprecatePatch('start-missing-billing-cycles'); // 2026-11-24; deprecated 2026-11-29 (an hourly chore lives minutes)
  return { ...billed, cyclesStarted: await startMissingBillingCycles() };
}
