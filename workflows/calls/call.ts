import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
} from '@temporalio/workflow';
import type { CallActivities } from '../../activities/calls/calls';
import type { AgentActivities, AgentEffect, ConversationEntry } from '../../activities/calls/agent';
import type { CallAnalysisActivities } from '../../activities/calls/callAnalysis';
import type { BillingActivities } from '../../activities/billing/usage';
import {
  callStatusSignal,
  callSummaryQuery,
  turnUpdate,
  type CallAction,
  type CallOutcome,
  type CallStart,
  type CallStatusEvent,
  type TurnInput,
  TERMINAL_CALL_STATUSES,
} from './definitions';
import { CallStatus } from '../platform/searchAttributes';

/**
 * One phone call, `call:<CallSid>`. Started by the incoming-call webhook with update-with-start; every
 * caller utterance is an Update answered with the next action; Twilio's status callback (or, if it never
 * comes, a question to Twilio's REST API) ends it, and the call is finalized: outcome, duration, usage.
 * The conversation lives in this workflow's state, so a worker restart mid-call loses nothing.
 */

const TERMINAL = new Set(TERMINAL_CALL_STATUSES);
const MAX_SILENCES = 2;
const HISTORY_SENT_TO_AGENT = 40;
/**
 * Transcript rows used to be written by local activities, which hold the workflow task (and so the turn's
 * TwiML) until they finish: a database write after the LLM on every caller turn. As normal activities they
 * are scheduled in the same task and run after the answer has gone back. Calls started before keep the old way.
 */
const TRANSCRIPT_OFF_TURN_PATH = 'transcript-off-turn-path';
/**
 * Transcript lines waiting to be stored travel with the next agent turn, whose local activity stores them
 * while the model thinks; what no agent turn will carry (scripted turns, the last answer) is stored by an
 * activity. Mid-call, a turn then costs one workflow task and no activity.
 */
const TRANSCRIPT_WITH_AGENT_TURN = 'transcript-with-agent-turn';
/** Intents, entities and a summary are extracted once the call has ended; calls started before are not. */
const CALL_ANALYSIS = 'call-analysis';
/** The call's usage is billed once finalized: a prepaid debit, or a Stripe Billing Meter event. */
const REPORT_USAGE = 'report-usage';

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

export async function callWorkflow(start: CallStart): Promise<{ outcome: CallOutcome; status: string }> {
  const agent = proxyLocalActivities<AgentActivities>({
    // A caller is waiting: one attempt within the deadline; failing it is what the scripted path is for.
    startToCloseTimeout: start.agentDeadlineMs + 500,
    retry: { maximumAttempts: 1 },
  });
  const local = proxyLocalActivities<CallActivities>({ startToCloseTimeout: '5 seconds' });
  // The call row must exist before Twilio hears anything. Meanwhile the webhook answers at its deadline and
  // Twilio asks again, so a database restart is waited out; after two minutes, or at once for a row the
  // database refuses (an invalid value: retrying cannot mend it), the caller hears an apology instead.
  const recordStart = proxyLocalActivities<CallActivities>({
    startToCloseTimeout: '5 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' },
  });

  const history: ConversationEntry[] = [];
  const background: Promise<unknown>[] = [];
  const notified: Promise<unknown>[] = [];
  let recorded = false;
  /** The call row could not be written: the caller is told so, and nothing else happens. */
  let unrecordable = false;
  let busy = false;
  let nextSeq = 1;
  let nextTurn = 1;
  let silences = 0;
  let mode: 'agent' | 'fallback-name' | 'fallback-message' = 'agent';
  let fallbackUsed = false;
  let fallbackName = '';
  let callerSpoke = false;
  let messageTaken = false;
  let transferred = false;
  /** What the appointment tools really did during the call. */
  const appointments = new Set<'booked' | 'rescheduled' | 'cancelled'>();
  let final: CallStatusEvent | undefined;
  let lastSequence = -1;
  let closing = false;
  /** Transcript lines said but not yet stored. */
  const unwritten: Array<{ seq: number; role: string; text: string; at: string }> = [];

  upsertSearchAttributes([{ key: CallStatus, value: 'in_progress' }]);

  // A prepaid call: the caller hears when the time the balance pays for is nearly up, and the next turn
  // after it is up ends the call politely. Both waits end early when the call does.
  let timeNearlyUp = false;
  let timeUp = false;
  let warned = false;
  if (start.prepaid) {
    const { secondsLeft, warnSecondsBefore } = start.prepaid;
    background.push(
      (async () => {
        if (!(await condition(() => final !== undefined, Math.max(0, secondsLeft - warnSecondsBefore) * 1000))) timeNearlyUp = true;
        if (!(await condition(() => final !== undefined, Math.min(secondsLeft, warnSecondsBefore) * 1000))) timeUp = true;
      })(),
    );
  }

  /** Stores the lines no agent turn will carry, in order, once the call row exists. */
  async function storeLeftoverLines(): Promise<void> {
    await condition(() => recorded);
    for (;;) {
      await condition(() => closing || (unwritten.length > 0 && !busy && mode !== 'agent'));
      if (unwritten.length === 0) return;
      await calls.appendTranscript({ orgId: start.orgId, callId: start.callId, turns: unwritten.splice(0) });
    }
  }
  const linesWithAgentTurn = patched(TRANSCRIPT_WITH_AGENT_TURN);
  if (linesWithAgentTurn) background.push(storeLeftoverLines());

  /**
   * Every line joins the conversation and is stored: with the next agent turn or by storeLeftoverLines.
   * Calls started before that patch store each line by its own activity once the call row exists.
   */
  const persist = (role: ConversationEntry['role'], text: string) => {
    const seq = nextSeq++;
    history.push({ role, text });
    if (linesWithAgentTurn) {
      unwritten.push({ seq, role, text, at: new Date().toISOString() });
      return;
    }
    background.push(
      (async () => {
        await condition(() => recorded);
        const writer = patched(TRANSCRIPT_OFF_TURN_PATH) ? calls : local;
        await writer.appendTranscript({ orgId: start.orgId, callId: start.callId, turns: [{ seq, role, text }] });
      })(),
    );
  };

  const takeMessage = (callerName: string, callbackE164: string | undefined, body: string) => {
    messageTaken = true;
    const messageId = `msg_${uuid4().replace(/-/g, '')}`;
    const saved = (async () => {
      await condition(() => recorded);
      await calls.saveMessage({ orgId: start.orgId, callId: start.callId, messageId, callerName, callbackE164, body });
    })();
    background.push(saved);
    notified.push(saved.then(() => notifications.notifyBusinessOfMessage({ orgId: start.orgId, messageId, viaFallback: fallbackUsed })));
  };

  const gather = (...say: string[]): Extract<CallAction, { type: 'gather' }> => {
    for (const line of say) persist('agent', line);
    return { type: 'gather', say, turn: nextTurn++ };
  };
  const hangup = (say: string): CallAction => {
    if (say) persist('agent', say);
    return { type: 'hangup', say };
  };
  const startFallback = (opening: string): CallAction => {
    mode = 'fallback-name';
    fallbackUsed = true;
    return gather(opening);
  };

  async function agentTurn(): Promise<CallAction> {
    let reply;
    const carried = unwritten.slice();
    try {
      reply = await agent.agentTurn({
        orgId: start.orgId,
        callId: start.callId,
        turn: nextTurn,
        callerE164: start.from,
        history: history.slice(-HISTORY_SENT_TO_AGENT),
        transcript: carried.length ? { orgId: start.orgId, callId: start.callId, turns: carried } : undefined,
      });
    } catch {
      // Whatever failed (error, rate limit, deadline), the caller must not hear dead air.
      return startFallback("I'm sorry, I'm having trouble right now, but I can take a message. What's your name?");
    }
    if (reply.transcriptStored) {
      const stored = new Set(carried.map((line) => line.seq));
      unwritten.splice(0, unwritten.length, ...unwritten.filter((line) => !stored.has(line.seq)));
    }
    const effects: AgentEffect[] = reply.effects;
    for (const effect of effects) {
      if (effect.type === 'message') takeMessage(effect.callerName, effect.callbackE164 ?? start.from, effect.message);
      if (effect.type === 'booked' || effect.type === 'rescheduled' || effect.type === 'cancelled') appointments.add(effect.type);
    }
    if (effects.some((e) => e.type === 'transfer')) {
      if (start.transferE164) {
        const say = reply.say || 'Let me connect you with someone now. Please hold.';
        persist('agent', say);
        return { type: 'transfer', say, to: start.transferE164, turn: nextTurn++ };
      }
      return gather("I'm sorry, nobody can take the call right now, but I can take a message. What's your name?");
    }
    if (effects.some((e) => e.type === 'end')) return hangup(reply.say || 'Thank you for calling. Goodbye!');
    return gather(reply.say || 'Sorry, could you say that again?');
  }

  function scriptedTurn(text: string): CallAction {
    if (mode === 'fallback-name') {
      fallbackName = text;
      mode = 'fallback-message';
      return gather(`Thank you, ${text}. What message would you like me to pass on? We'll call you back on the number you're calling from.`);
    }
    takeMessage(fallbackName, start.from, text);
    return hangup("Thank you, I've passed your message on and someone will call you back soon. Goodbye!");
  }

  /** What the call achieved, the strongest first. */
  function callOutcome(status: string): CallOutcome {
    if (transferred) return 'transferred';
    for (const done of ['booked', 'rescheduled', 'cancelled'] as const) if (appointments.has(done)) return done;
    if (messageTaken) return 'message_taken';
    if (status !== 'completed') return 'failed';
    return callerSpoke ? 'info_only' : 'abandoned';
  }

  /** The turn's answer, with the prepaid time's warning added once, or the goodbye when it is up. */
  async function handlePrepaidTurn(input: TurnInput): Promise<CallAction> {
    if (timeUp && input.kind !== 'answer') return hangup("I'm sorry, the time available for this call is up, so I have to end it here. Goodbye!");
    const action = await handleTurn(input);
    if (!timeNearlyUp || warned || action.type !== 'gather') return action;
    warned = true;
    const warning = 'Just so you know, this call is almost out of time.';
    persist('agent', warning);
    return { ...action, say: [...action.say, warning] };
  }

  async function handleTurn(input: TurnInput): Promise<CallAction> {
    switch (input.kind) {
      case 'answer': {
        // The call row exists before Twilio hears anything back, so no callback can arrive before it.
        await condition(() => recorded || unrecordable);
        if (unrecordable) return { type: 'hangup', say: "Sorry, we can't take your call right now. Please try again later. Goodbye." };
        if (start.messageOnly) {
          mode = 'fallback-name';
          fallbackUsed = true;
        }
        const say = start.recording.enabled ? [start.recording.announcement, start.greeting] : [start.greeting];
        return { ...gather(...say), startRecording: start.recording.enabled };
      }
      case 'silence':
        silences += 1;
        if (silences >= MAX_SILENCES) return hangup("I haven't heard anything, so I'll end the call now. Please call back any time. Goodbye!");
        return gather("Sorry, I didn't catch that. How can I help you?");
      case 'speech':
        silences = 0;
        callerSpoke = true;
        persist('caller', input.text);
        return mode === 'agent' ? agentTurn() : scriptedTurn(input.text);
      case 'transfer-ended':
        if (input.dialStatus === 'completed' || input.dialStatus === 'answered') {
          transferred = true;
          return hangup('');
        }
        return startFallback("I'm sorry, nobody is available right now. I can take a message. What's your name?");
    }
  }

  setHandler(
    turnUpdate,
    async (input) => {
      // Twilio sends one turn at a time, but a retried webhook can overlap: handle turns one by one.
      // The first wait keeps the timing calls of the previous release replay with; the loop makes sure
      // that of several waiting handlers woken together only one goes on.
      await condition(() => !busy);
      while (busy) await condition(() => !busy);
      busy = true;
      try {
        return await (start.prepaid ? handlePrepaidTurn(input) : handleTurn(input));
      } finally {
        busy = false;
      }
    },
    {
      validator: (_input: TurnInput) => {
        if (final) throw new Error('the call has ended');
      },
    },
  );
  setHandler(callStatusSignal, (event) => {
    // Callbacks may arrive out of order: keep the newest, and never leave a terminal status.
    if (final || (event.sequence !== undefined && event.sequence <= lastSequence)) return;
    if (event.sequence !== undefined) lastSequence = event.sequence;
    if (TERMINAL.has(event.status)) final = event;
  });
  setHandler(callSummaryQuery, () => ({ status: final?.status ?? 'in_progress', turns: nextTurn - 1, fallback: fallbackUsed }));

  try {
    await recordStart.recordCallStarted(start);
    recorded = true;
  } catch {
    unrecordable = true;
    await condition(allHandlersFinished);
    upsertSearchAttributes([{ key: CallStatus, value: 'failed' }]);
    return { outcome: 'failed', status: 'not_recorded' };
  }

  while (!final) {
    if (!(await condition(() => final !== undefined, start.statusCheckAfterMs))) {
      const known = await calls.fetchCallStatus({ callSid: start.callSid });
      if (TERMINAL.has(known.status)) final ??= known;
    }
  }
  await condition(allHandlersFinished);
  closing = true;
  await Promise.all(background);

  const outcome = callOutcome(final.status);
  await calls.finalizeCall({
    orgId: start.orgId,
    callId: start.callId,
    callSid: start.callSid,
    status: final.status,
    durationSeconds: final.durationSeconds ?? 0,
    outcome,
  });
  upsertSearchAttributes([{ key: CallStatus, value: 'completed' }]);
  const analysed = callerSpoke && patched(CALL_ANALYSIS) ? analysis.analyzeCall({ orgId: start.orgId, callId: start.callId }) : undefined;
  const reported = patched(REPORT_USAGE) ? billing.billCallUsage({ orgId: start.orgId, callSid: start.callSid }) : undefined;
  await Promise.allSettled([...notified, analysed, reported]);
  return { outcome, status: final.status };
}
