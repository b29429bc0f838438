import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { DataKeysRepository } from '../../src/platform/crypto/dataKeysRepository';
import type { Keyring } from '../../src/platform/crypto/keyring';

export interface RewrapBatchInput {
  masterKeyId: string;
  afterOrgId: string;
  limit: number;
}

export interface RewrapBatchResult {
  organizations: number;
  keysRewrapped: number;
  lastOrgId: string;
}

export function createKeyActivities(deps: { keyring: Keyring; dataKeys: DataKeysRepository; currentMasterKeyId?: string }) {
  return {
    /**
     * Re-wraps the data keys of up to `limit` organizations still under an older master key. Idempotent:
     * a key already under the new master key is skipped, and each re-wrap is a compare-and-set.
     */
    async rewrapDataKeysBatch(input: RewrapBatchInput): Promise<RewrapBatchResult> {
      if (input.masterKeyId !== deps.currentMasterKeyId) {
        // A worker with another MASTER_KEY must not re-wrap under it; retrying on this worker cannot help.
        throw ApplicationFailure.nonRetryable(
          `this worker's MASTER_KEY is "${deps.currentMasterKeyId ?? 'unset'}", not "${input.masterKeyId}"`,
          'MasterKeyMismatch',
        );
      }
      const orgIds = await deps.dataKeys.orgsNeedingRewrap(input.masterKeyId, input.afterOrgId, input.limit);
      let keysRewrapped = 0;
      for (const orgId of orgIds) {
        keysRewrapped += await deps.keyring.rewrap(orgId);
        heartbeat(orgId);
      }
      return { organizations: orgIds.length, keysRewrapped, lastOrgId: orgIds.at(-1) ?? input.afterOrgId };
    },
  };
}

export type KeyActivities = ReturnType<typeof createKeyActivities>;
