import { continueAsNew, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrganizationSweep, RetentionActivities, SweepTotals } from '../../activities/privacy/retention';
import { sweepProgressQuery, type RetentionSweepInput } from './retentionDefinitions';
import { SweepStatus } from './retentionDefinitions';

/**
 * One retention sweep, started by the `retention-sweep` schedule: every organization's policy applied as
 * of the sweep's start (the workflow's clock, so a retry or a repeat deletes the same and nothing more).
 * Organizations one at a time, each in batches with heartbeats (a crashed worker's retry resumes);
 * an organization under legal hold is skipped and reported. Counts per organization through the
 * `progress` query and the organization's audit log; the totals in a `retention_runs` row at the end.
 */
const { organizationsToSweep, recordSweep } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});
const { sweepOrganization } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

const PAGE = 100;
/** Organizations per run before continuing as new, to keep each history small. */
const PER_RUN = 500;

export async function retentionSweepWorkflow(input: RetentionSweepInput = {}): Promise<SweepTotals> {
  const sweepId = input.sweepId ?? `${workflowInfo().workflowId}:${workflowInfo().runId}`;
  const now = input.now ?? new Date().toISOString();
  // A run continued from before billing records were purged carries totals without their count.
  const started: Partial<SweepTotals> & Omit<SweepTotals, 'billingRecordsDeleted'> = input.totals ?? { organizations: 0, heldOrganizations: 0, callsDeleted: 0, messagesDeleted: 0, recordingsDeleted: 0, heldCalls: 0 };
  const totals: SweepTotals = { ...started, billingRecordsDeleted: started.billingRecordsDeleted ?? 0 };
  const organizations: OrganizationSweep[] = [];
  setHandler(sweepProgressQuery, () => ({ sweepId, now, totals, organizations }));
  upsertSearchAttributes([{ key: SweepStatus, value: 'running' }]);

  let afterId = input.afterId ?? null;
  for (;;) {
    const page = await organizationsToSweep({ afterId, limit: PAGE });
    for (const orgId of page) {
      const swept = await sweepOrganization({ orgId, now, sweepId });
      organizations.push(swept);
      totals.organizations += 1;
      if (swept.legalHold) totals.heldOrganizations += 1;
      totals.callsDeleted += swept.callsDeleted;
      totals.messagesDeleted += swept.messagesDeleted;
      totals.recordingsDeleted += swept.recordingsDeleted;
      totals.billingRecordsDeleted += swept.billingRecordsDeleted ?? 0; // ?? 0: a result recorded before the count existed
      totals.heldCalls += swept.heldCalls;
    }
    if (page.length < PAGE) break;
    afterId = page[page.length - 1]!;
    if (organizations.length >= PER_RUN) return continueAsNew<typeof retentionSweepWorkflow>({ sweepId, now, afterId, totals });
  }
  await recordSweep({ sweepId, startedAt: now, totals });
  upsertSearchAttributes([{ key: SweepStatus, value: 'completed' }]);
  return totals;
}
