import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * Account deletion's messages, shared by the workflow, the API and tests (which never import workflow
 * code). One workflow per organization, `deletion:<orgId>`: a grace period, then erasure.
 */
export interface DeletionRequest {
  orgId: string;
  requestedBy: string;
  /** ISO. Erasure must be complete within 30 days of it. */
  requestedAt: string;
  graceMs: number;
  deadlineMs: number;
  /** How long before the deadline operators are alerted if erasure is not done. */
  alertBeforeMs: number;
}

export type DeletionState = 'grace' | 'cancelled' | 'erasing' | 'completed';

export interface DeletionProgress {
  state: DeletionState;
  requestedAt: string;
  erasureAt: string;
  deadlineAt: string;
  /** Operators were alerted: erasure was not done well before the deadline. */
  atRisk: boolean;
}

export const cancelDeletionSignal = defineSignal<[{ by: string }]>('cancel');
export const deletionProgressQuery = defineQuery<DeletionProgress>('progress');

export const deletionWorkflowId = (orgId: string) => `deletion:${orgId}`;

/** Search attribute: DeletionStatus, filterable in the Temporal UI (never personal data). */
export const DeletionStatus = defineSearchAttributeKey('DeletionStatus', SearchAttributeType.KEYWORD);

/** A person an admin reported as a minor, erased at once: `minor-erasure:<orgId>:<userId>`. */
export interface MinorErasureInput {
  orgId: string;
  userId: string;
  reportedBy: string | null;
}

export const minorErasureWorkflowId = (orgId: string, userId: string) => `minor-erasure:${orgId}:${userId}`;
