import {
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeyActivities } from '../../activities/platform/keys';
import { KeyRotationStatus } from './searchAttributes';

/**
 * Master key rotation, run by an operator after putting a new MASTER_KEY in place (the old one moves to
 * MASTER_KEYS_RETIRED): re-wraps every organization's data keys under the new master key, in batches,
 * until none is left under an old one. Ciphertext is untouched. Id: `key-rotation:<masterKeyId>`.
 * System-wide, so it carries no OrgId.
 */
export interface KeyRotationInput {
  masterKeyId: string;
  batchSize?: number;
  /** Carried across continue-as-new. */
  progress?: KeyRotationProgress;
}

export interface KeyRotationProgress {
  organizations: number;
  keysRewrapped: number;
  lastOrgId: string;
}

export const keyRotationProgressQuery = defineQuery<KeyRotationProgress>('progress');

const { rewrapDataKeysBatch } = proxyActivities<KeyActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: ['MasterKeyMismatch'] },
});

export async function keyRotationWorkflow(input: KeyRotationInput): Promise<KeyRotationProgress> {
  const progress: KeyRotationProgress = input.progress ?? { organizations: 0, keysRewrapped: 0, lastOrgId: '' };
  setHandler(keyRotationProgressQuery, () => progress);
  upsertSearchAttributes([{ key: KeyRotationStatus, value: 'running' }]);

  for (;;) {
    const batch = await rewrapDataKeysBatch({
      masterKeyId: input.masterKeyId,
      afterOrgId: progress.lastOrgId,
      limit: input.batchSize ?? 100,
    });
    if (batch.organizations === 0) break;
    progress.organizations += batch.organizations;
    progress.keysRewrapped += batch.keysRewrapped;
    progress.lastOrgId = batch.lastOrgId;
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof keyRotationWorkflow>({ ...input, progress });
    }
  }

  upsertSearchAttributes([{ key: KeyRotationStatus, value: 'completed' }]);
  return progress;
}
