import { ApplicationFailure, condition, executeChild, ParentClosePolicy, proxyActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PracticeCallActivities } from '../../activities/coaching/practiceCalls';
import type { callWorkflow } from '../calls/call';
import type { practiceAnalysisWorkflow } from './practiceAnalysis';
import { callWorkflowId } from '../calls/definitions';
import { OrgId } from '../platform/searchAttributes';
import {
  PracticeCallStatus,
  practiceAnalysisWorkflowId,
  practiceCallStateQuery,
  practiceEventSignal,
  type EngineReport,
  type PracticeCallInput,
  type PracticeCallState,
} from './definitions';

// Reading and writing our own rows: patient, since nothing waits on the phone yet.
const coach = proxyActivities<PracticeCallActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});
// Placing a call: a few attempts, each of which first looks for the call an earlier attempt may have
// placed (no engine offers an idempotency key), so the learner's phone never rings twice.
const dialer = proxyActivities<PracticeCallActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '20 seconds', maximumAttempts: 4 },
});
// Asking Vapi for a call whose report never came: for an hour at most.
const vapiLookup = proxyActivities<PracticeCallActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/**
 * One planned practice call, `practice-call:<planId>-<time>`, started by the plan's schedule or by "call
 * me now". Read top to bottom: the checks (plan, consent, opt-out list, calling window, balance), each
 * refusal recorded with its reason; the call placed through the organization's engine; its end (Vapi's
 * report, fetched from Vapi if it never came; or the built-in engine's call workflow, run as a child);
 * the transcript stored and the learner debited once; then, for busy, no answer or voicemail, a bounded
 * retry that passes the same checks again.
 */
export async function practiceCallWorkflow(input: PracticeCallInput): Promise<PracticeCallState> {
  const info = workflowInfo();
  const state: PracticeCallState = { status: 'checking', attempts: 0 };
  const setStatus = (status: string) => {
    state.status = status;
    upsertSearchAttributes([{ key: PracticeCallStatus, value: status }]);
  };
  upsertSearchAttributes([{ key: OrgId, value: input.orgId }]);
  setHandler(practiceCallStateQuery, () => state);

  // What the engine's webhooks said, per provider call (duplicates overwrite with the same).
  const ended = new Set<string>();
  const reports = new Map<string, EngineReport>();
  setHandler(practiceEventSignal, (event) => {
    if (event.kind === 'status' && event.status === 'ended') ended.add(event.providerCallId);
    if (event.kind === 'report' && !reports.has(event.report.providerCallId)) reports.set(event.report.providerCallId, event.report);
  });

  const scheduledFor = info.startTime.toISOString();
  let lastOutcome: string | undefined;
  for (let attempt = 1; ; attempt++) {
    setStatus('checking');
    const check = await coach.checkPracticeCall({ orgId: input.orgId, planId: input.planId, workflowId: info.workflowId, trigger: input.trigger, attempt, scheduledFor });
    state.practiceCallId = check.practiceCallId;
    if (!check.ok) {
      state.refusal = check.reason;
      // A retry refused (the window closed, consent withdrawn meanwhile) leaves the last attempt's outcome.
      setStatus(lastOutcome ?? 'refused');
      return state;
    }
    state.attempts = attempt;
    setStatus('dialing');
    const dial = check.dial;

    let report: EngineReport;
    if (dial.engine === 'vapi') {
      let placed: { providerCallId: string };
      try {
        placed = await dialer.placeVapiCall(dial);
      } catch (error) {
        report = failedAttempt(dial.attemptKey, error);
        await finish(report);
        return state;
      }
      setStatus('in_progress');
      const id = placed.providerCallId;
      // The report comes once the call is over; a call can last no longer than its maximum plus ringing.
      const longest = (dial.ringSeconds + dial.maxSeconds + 120) * 1000;
      await condition(() => reports.has(id) || ended.has(id), longest);
      if (!reports.has(id)) await condition(() => reports.has(id), dial.reportWaitMs);
      report = reports.get(id) ?? (await lookUpReport(dial.practiceCallId, id, dial.attemptKey));
    } else {
      let placed: Awaited<ReturnType<PracticeCallActivities['placeTwilioCall']>>;
      try {
        placed = await dialer.placeTwilioCall(dial);
      } catch (error) {
        report = failedAttempt(dial.attemptKey, error);
        await finish(report);
        return state;
      }
      setStatus('in_progress');
      // The conversation is the receptionist's call workflow with the coach's persona, as a child: it
      // lives on if this workflow is reset, and its history is the call's own.
      const result = await executeChild<typeof callWorkflow>('callWorkflow', {
        workflowId: callWorkflowId(placed.callStart.callSid),
        args: [placed.callStart],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: OrgId, value: input.orgId }],
      });
      report = await coach.twilioReport({ orgId: input.orgId, callId: placed.callStart.callId, callSid: placed.callStart.callSid, status: result.status, optedOut: result.optedOut ?? false, agentFailed: result.agentFailed });
    }

    const finished = await finish(report);
    // A call held with the learner is analysed, as its own workflow (re-runnable from the API).
    if (report.outcome === 'completed' && (report.lines.length > 0 || report.callId)) {
      await executeChild<typeof practiceAnalysisWorkflow>('practiceAnalysisWorkflow', {
        workflowId: practiceAnalysisWorkflowId(state.practiceCallId!),
        args: [{ orgId: input.orgId, practiceCallId: state.practiceCallId! }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: OrgId, value: input.orgId }],
      });
    }
    if (!finished.retry) return state;
    setStatus('retry_wait');
    await sleep(finished.retryAfterMs);
  }

  /** The report Vapi never sent, from its API; after an hour of Vapi not knowing, the attempt failed. */
  async function lookUpReport(practiceCallId: string, providerCallId: string, attemptKey: string): Promise<EngineReport> {
    try {
      return await vapiLookup.fetchVapiReport({ orgId: input.orgId, practiceCallId, providerCallId });
    } catch (error) {
      return { ...failedAttempt(attemptKey, error), providerCallId, endedReason: 'no report from Vapi' };
    }
  }

  async function finish(report: EngineReport) {
    const done = await coach.finishPracticeAttempt({ orgId: input.orgId, practiceCallId: state.practiceCallId!, attempt: state.attempts, report });
    lastOutcome = report.outcome;
    setStatus(report.outcome);
    if (done.pausePlans.length) await coach.pausePlanSchedules({ planIds: done.pausePlans, reason: 'consent withdrawn on a call' });
    return done;
  }
}

/** An attempt the engine refused to place: a failure, with the engine's words. */
function failedAttempt(attemptKey: string, error: unknown): EngineReport {
  const message = error instanceof ApplicationFailure || error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error);
  return { providerCallId: `none:${attemptKey}`, endedReason: `not placed: ${message}`.slice(0, 500), outcome: 'failed', durationSeconds: 0, lines: [], optedOut: false };
}
