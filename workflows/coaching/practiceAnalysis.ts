import { ApplicationFailure, patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { PracticeAnalysisActivities } from '../../activities/coaching/analysis';
import type { PronunciationActivities } from '../../activities/coaching/pronunciation';
import { PracticeCallStatus, type PracticeAnalysisInput } from './definitions';

// A model overloaded or unreachable is retried a few times, a minute apart at most; an answer that stays
// invalid, or no model at all, is not retried (the activity says so) and the analysis is marked failed.
const analysis = proxyActivities<PracticeAnalysisActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '3 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 3, maximumInterval: '1 minute', maximumAttempts: 4 },
});
const bookkeeping = proxyActivities<PracticeAnalysisActivities & PronunciationActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '1 minute' } });
// Up to a dozen clips, each a request to the assessment service; a heartbeat after each.
const pronunciation = proxyActivities<PronunciationActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 3, maximumInterval: '1 minute', maximumAttempts: 4 },
});

/**
 * The analysis of one finished practice call, `practice-analysis:<practiceCallId>`: started by the
 * practice call when it ends, or again from the API (a re-run). Whatever fails, the call stays; the
 * analysis says it failed and why.
 */
export async function practiceAnalysisWorkflow(input: PracticeAnalysisInput): Promise<{ status: string }> {
  upsertSearchAttributes([{ key: PracticeCallStatus, value: 'analysing' }]);
  try {
    const { status } = await analysis.analyzePracticeCall(input);
    // Added 2026-11-29; retire per the README's patch policy once no analysis started before it can replay.
    if (status === 'completed' && patched('pronunciation-assessment')) await assessPronunciation(input);
    upsertSearchAttributes([{ key: PracticeCallStatus, value: `analysis_${status}` }]);
    return { status };
  } catch (error) {
    await bookkeeping.markAnalysisFailed({ ...input, error: failureMessage(error) });
    upsertSearchAttributes([{ key: PracticeCallStatus, value: 'analysis_failed' }]);
    return { status: 'failed' };
  }
}

/** Pronunciation from the recording: a failure leaves the analysis as it is, saying why it is not measured. */
async function assessPronunciation(input: PracticeAnalysisInput): Promise<void> {
  try {
    await pronunciation.assessPronunciation(input);
  } catch (error) {
    await bookkeeping.notePronunciationFailed({ ...input, error: failureMessage(error) });
  }
}

/** What an activity's failure said: its own message, not the wrapper's "Activity task failed". */
function failureMessage(error: unknown): string {
  const cause = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : String(error);
}
