import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { OrganizationSweep, SweepTotals } from '../../activities/privacy/retention';

/** The retention sweep's messages, shared by the workflow, the schedule and tests (which never import workflow code). */
export interface RetentionSweepInput {
  /** Carried when a long sweep continues as new: the whole sweep keeps one id, one clock and one tally. */
  sweepId?: string;
  now?: string;
  afterId?: string | null;
  totals?: SweepTotals;
}

export interface SweepProgress {
  sweepId: string;
  now: string;
  totals: SweepTotals;
  /** This run's organizations (a sweep continues as new every few hundred). */
  organizations: OrganizationSweep[];
}

export const sweepProgressQuery = defineQuery<SweepProgress>('progress');

/** Search attribute: SweepStatus, filterable in the Temporal UI (never personal data). */
export const SweepStatus = defineSearchAttributeKey('SweepStatus', SearchAttributeType.KEYWORD);
