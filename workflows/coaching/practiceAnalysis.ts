import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { PracticeAnalysisActivities } from '../../activities/coaching/analysis';
import { PracticeCallStatus, type PracticeAnalysisInput } from './definitions';

// A model overloaded or unreachable is retried a few times, a minute apart at most; an answer that stays
// invalid, or no model at all, is not retried (the activity says so) and the analysis is marked failed.
const analysis = proxyActivities<PracticeAnalysisActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '3 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 3, maximumInterval: '1 minute', maximumAttempts: 4 },
});
const bookkeeping = proxyActivities<PracticeAnalysisActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '1 minute' } });

/**
 * The analysis of one finished practice call, `practice-analysis:<practiceCallId>`: started by the
 * practice call when it ends, or again from the API (a re-run). Whatever fails, the call stays; the
 * analysis says it failed and why.
 */
export async function practiceAnalysisWorkflow(input: PracticeAnalysisInput): Promise<{ status: string }> {
  upsertSearchAttributes([{ key: PracticeCallStatus, value: 'analysing' }]);
  try {
    const { status } = await analysis.analyzePracticeCall(input);
    upsertSearchAttributes([{ key: PracticeCallStatus, value: `analysis_${status}` }]);
    return { status };
  } catch (error) {
    const cause = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
    const message = cause instanceof Error ? cause.message : String(error);
    await bookkeeping.markAnalysisFailed({ ...input, error: message });
    upsertSearchAttributes([{ key: PracticeCallStatus, value: 'analysis_failed' }]);
    return { status: 'failed' };
  }
}
