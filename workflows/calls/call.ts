import { allHandlersFinished, condition, deprecatePatch, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentActivities } from '../../activities/calls/agent';
import type { CallAnalysisActivities } from '../../activities/calls/callAnalysis';
import type { CallActivities } from '../../activities/calls/calls';
import type { BillingActivities } from '../../activities/billing/usage';
import { trackCallStatus } from './callStatus';
import { conversation } from './conversation';
import { CallStatus, callSummaryQuery, turnUpdate, type CallAction, type CallOutcome, type CallStart, type CallStatusEvent, type TurnInput } from './definitions';
import { prepaidClock } from './prepaidTime';
import { Transcript } from './transcript';
import { oneTurnAtATime } from './turnLock';

/**
 * One phone call, `call:<CallSid>`, read top to bottom as the call goes: the call row is written and the
 * greeting answered (an incoming call's webhook writes the row and answers before starting this workflow,
 * `answeredAtStart`; an outbound call is answered by the `answer` Update when picked up); each caller utterance is an Update
 * answered with the next action (the agent, or the scripted message path, a transfer, goodbye); Twilio's
 * status callback (or, if it never comes, a question to Twilio) ends it; then the call is finalized
 * (outcome, duration), analysed and billed. The conversation lives in this workflow's state, so a worker
 * restart mid-call loses nothing.
 *
 * Patches (README, "Retiring patches"): each is `patched()` until every execution started before it can
 * have closed, then `deprecatePatch()` until every execution that recorded it has, then removed.
 */
const TRANSCRIPT_WITH_AGENT_TURN = 'transcript-with-agent-turn'; // 2026-11-24; deprecated 2026-11-29
const CALL_ANALYSIS = 'call-analysis'; // 2026-11-24; deprecated 2026-11-29
const REPORT_USAGE = 'report-usage'; // 2026-11-24; deprecated 2026-11-29

const NOT_RECORDED = "Sorry, we can't take your call right now. Please try again later. Goodbye.";

const calls = proxyActivities<CallActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
// Texting the business keeps trying for a day (Twilio down, bad credentials): visible as a retrying
// activity in the UI, and it never holds up the call's own finalization.
const notifications = proxyActivities<CallActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});
// Nobody is on the line any more: a few patient attempts, then the call simply keeps no summary.
const analysis = proxyActivities<CallAnalysisActivities>({
  startToCloseTimeout: '90 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 3, maximumAttempts: 4 },
});
// Stripe down only delays billing, for less than a day: Stripe recognises a repeated meter event
// (identifier, idempotency key) for 24 hours, and no longer than that. It heartbeats: a worker dying
// mid-report is noticed in seconds.
const billing = proxyActivities<BillingActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '20 hours',
  retry: { initialInterval: '5 seconds', maximumInterval: '30 minutes' },
});
// The call row must exist before Twilio hears anything. Meanwhile the webhook answers at its deadline and
// Twilio asks again, so a database restart is waited out; after two minutes, or at once for a row the
// database refuses (an invalid value: retrying cannot mend it), the caller hears an apology instead.
const recordStart = proxyLocalActivities<CallActivities>({
  startToCloseTimeout: '5 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' },
});

export async function callWorkflow(start: CallStart): Promise<{ outcome: CallOutcome; status: string; optedOut?: boolean; agentFailed?: boolean }> {
  // A caller is waiting: one attempt within the deadline; failing it is what the scripted path is for.
  const agent = proxyLocalActivities<AgentActivities>({ startToCloseTimeout: start.agentDeadlineMs + 500, retry: { maximumAttempts: 1 } });
  // Twilio is asked patiently, but not for ever: then the call ends as `unknown`.
  const statusCheck = proxyActivities<CallActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: start.statusGiveUpMs ?? 3_600_000,
    retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
  });
  upsertSearchAttributes([{ key: CallStatus, value: 'in_progress' }]);

  const status = trackCallStatus();
  const prepaid = start.prepaid ? prepaidClock(start.prepaid, () => status.final !== undefined) : undefined;
  deprecatePatch(TRANSCRIPT_WITH_AGENT_TURN);

  let recorded = false;
  let unrecordable = false;
  let closing = false;
  const background: Promise<unknown>[] = prepaid ? [prepaid.running] : [];
  const notified: Promise<unknown>[] = [];
  const transcript = new Transcript({ orgId: start.orgId, callId: start.callId });
  const turns = oneTurnAtATime();
  const dialogue = conversation({
    start,
    transcript,
    agent,
    saveMessage: calls.saveMessage,
    notifyBusiness: notifications.notifyBusinessOfMessage,
    recorded: () => recorded,
    background,
    notified,
  });
  background.push(transcript.storeLeftovers(calls.appendTranscript, { recorded: () => recorded, idle: () => !turns.busy && dialogue.scripted, closing: () => closing }));

  let greeted: CallAction | undefined;
  async function answer(input: TurnInput): Promise<CallAction> {
    if (input.kind === 'answer') {
      // The call row exists before Twilio hears anything back, so no callback can arrive before it.
      await condition(() => recorded || unrecordable);
      if (unrecordable) return (greeted = { type: 'hangup', say: NOT_RECORDED });
      // Answered once: a later `answer` Update (the webhook answered at start) hears the same greeting.
      if (greeted) return greeted;
      // Answered at start, the webhook said `greetingAction(start)`: recorded as said, the prepaid
      // clock's warning (if due at once) comes with the next turn.
      greeted = start.answeredAtStart ? await dialogue.turn(input) : await answerTurn(input);
      return greeted;
    }
    return answerTurn(input);
  }
  const answerTurn = (input: TurnInput) => (prepaid ? prepaid.turn(input, dialogue.turn, (line) => transcript.add('agent', line)) : dialogue.turn(input));
  // The incoming webhook already answered (it wrote the call row first): record what it said. Queued for the
  // turn lock before the handler is set, so it goes before any turn Update delivered with the start.
  if (start.answeredAtStart) background.push(turns.run(() => answer({ kind: 'answer' })));
  setHandler(turnUpdate, (input) => turns.run(() => answer(input)), {
    validator: (_input: TurnInput) => {
      if (status.final) throw new Error('the call has ended');
    },
  });
  setHandler(callSummaryQuery, () => ({ status: status.final?.status ?? 'in_progress', turns: dialogue.turnsTaken, fallback: dialogue.fallbackUsed }));

  // 1. The call row, before the greeting goes out; a call answered at start has it from its webhook.
  try {
    if (!start.answeredAtStart) await recordStart.recordCallStarted(start);
    recorded = true;
  } catch {
    unrecordable = true;
    await condition(allHandlersFinished);
    upsertSearchAttributes([{ key: CallStatus, value: 'failed' }]);
    return { outcome: 'failed', status: 'not_recorded' };
  }

  // 2. The conversation runs in the turn handler until Twilio says the call is over.
  const final: CallStatusEvent = await status.ended(start.statusCheckAfterMs, () => statusCheck.fetchCallStatus({ callSid: start.callSid }));
  await condition(allHandlersFinished);
  closing = true;
  await Promise.all(background);

  // 3. Finalized, then analysed and billed (neither holds the other up).
  const outcome = dialogue.outcome(final.status);
  await calls.finalizeCall({ orgId: start.orgId, callId: start.callId, callSid: start.callSid, status: final.status, durationSeconds: final.durationSeconds ?? 0, outcome });
  upsertSearchAttributes([{ key: CallStatus, value: 'completed' }]);
  let analysed: Promise<unknown> | undefined;
  // The receptionist's analysis (intents, entities, summary); a persona's calls are its domain's to analyse.
  if (dialogue.callerSpoke && !start.persona) {
    deprecatePatch(CALL_ANALYSIS);
    analysed = analysis.analyzeCall({ orgId: start.orgId, callId: start.callId });
  }
  deprecatePatch(REPORT_USAGE);
  const reported = billing.billCallUsage({ orgId: start.orgId, callSid: start.callSid });
  await Promise.allSettled([...notified, analysed, reported]);
  return { outcome, status: final.status, ...(dialogue.optedOut ? { optedOut: true } : {}), ...(start.persona && dialogue.fallbackUsed ? { agentFailed: true } : {}) };
}
