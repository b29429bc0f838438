import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { DataRequestActivities } from '../../activities/privacy/dataRequests';
import type { CallerErasureInput } from './dataRequestDefinitions';
import { DeletionStatus } from './deletionDefinitions';

/** A caller's erasure (a data-subject request), `caller-erasure:<requestId>`: everything about one number, once. */
const { eraseCaller } = proxyActivities<DataRequestActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

export async function callerErasureWorkflow(input: CallerErasureInput): Promise<Record<string, number>> {
  upsertSearchAttributes([{ key: DeletionStatus, value: 'erasing' }]);
  const counts = await eraseCaller({ requestId: input.requestId });
  upsertSearchAttributes([{ key: DeletionStatus, value: 'completed' }]);
  return counts;
}
