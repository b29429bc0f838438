import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { MinorErasureActivities } from '../../activities/privacy/minorErasure';
import { DeletionStatus, type MinorErasureInput } from './deletionDefinitions';

/**
 * A person reported as a minor, `minor-erasure:<orgId>:<userId>`: erased now, without the grace period of an
 * account deletion or the two years a closed learner account is otherwise kept. A learner's recordings at
 * Vapi go first, so Vapi being down is waited out, within the 30 days every deletion is promised in.
 */
const { eraseReportedMinor } = proxyActivities<MinorErasureActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '29 days',
  retry: { initialInterval: '10 seconds', maximumInterval: '1 hour' },
});

export async function minorErasureWorkflow(input: MinorErasureInput): Promise<{ learner: boolean; accountDeleted: boolean }> {
  upsertSearchAttributes([{ key: DeletionStatus, value: 'erasing' }]);
  const result = await eraseReportedMinor(input);
  upsertSearchAttributes([{ key: DeletionStatus, value: 'completed' }]);
  return result;
}
