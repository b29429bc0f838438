import { condition, uuid4 } from '@temporalio/workflow';
import type { AgentActivities, AgentEffect } from '../../activities/calls/agent';
import type { CallActivities } from '../../activities/calls/calls';
import { greetingAction, type CallAction, type CallOutcome, type CallStart, type TurnInput } from './definitions';
import type { Transcript } from './transcript';

const MAX_SILENCES = 2;
const HISTORY_SENT_TO_AGENT = 40;

export interface ConversationDeps {
  start: CallStart;
  transcript: Transcript;
  /** The agent's turn, a local activity with the caller's deadline. */
  agent: Pick<AgentActivities, 'agentTurn'>;
  /** Saving a message (when the call row exists) and telling the business about it. */
  saveMessage: CallActivities['saveMessage'];
  notifyBusiness: CallActivities['notifyBusinessOfMessage'];
  /** Resolves once the call row exists (messages reference it). */
  recorded: () => boolean;
  /** Work that must finish before the call is finalized (saved messages), and notices that may finish after. */
  background: Promise<unknown>[];
  notified: Promise<unknown>[];
}

/**
 * The dialogue: the greeting, then each caller turn answered by the agent (the LLM with its tools), or by
 * the scripted path that takes a name and a message when the agent cannot answer (an LLM failure, a
 * suspended service), a transfer to a human, or goodbye. It keeps what the call achieved for its outcome.
 */
export function conversation(deps: ConversationDeps) {
  const { start, transcript } = deps;
  let nextTurn = 1;
  let silences = 0;
  let mode: 'agent' | 'fallback-name' | 'fallback-message' = 'agent';
  let fallbackUsed = false;
  let fallbackName = '';
  let callerSpoke = false;
  let messageTaken = false;
  let optedOut = false;
  let transferred = false;
  /** What the appointment tools really did during the call. */
  const appointments = new Set<'booked' | 'rescheduled' | 'cancelled'>();

  const gather = (...say: string[]): Extract<CallAction, { type: 'gather' }> => {
    for (const line of say) transcript.add('agent', line);
    return { type: 'gather', say, turn: nextTurn++ };
  };
  const hangup = (say: string): CallAction => {
    if (say) transcript.add('agent', say);
    return { type: 'hangup', say };
  };
  const startFallback = (opening: string): CallAction => {
    mode = 'fallback-name';
    fallbackUsed = true;
    return gather(opening);
  };

  function takeMessage(callerName: string, callbackE164: string | undefined, body: string): void {
    messageTaken = true;
    const messageId = `msg_${uuid4().replace(/-/g, '')}`;
    const saved = (async () => {
      await condition(deps.recorded);
      await deps.saveMessage({ orgId: start.orgId, callId: start.callId, messageId, callerName, callbackE164, body });
    })();
    deps.background.push(saved);
    deps.notified.push(saved.then(() => deps.notifyBusiness({ orgId: start.orgId, messageId, viaFallback: fallbackUsed })));
  }

  async function agentTurn(): Promise<CallAction> {
    let reply;
    const carried = transcript.carried();
    try {
      reply = await deps.agent.agentTurn({
        orgId: start.orgId,
        callId: start.callId,
        turn: nextTurn,
        callerE164: start.from,
        history: transcript.history.slice(-HISTORY_SENT_TO_AGENT),
        transcript: carried,
        ...(start.persona ? { persona: start.persona } : {}),
      });
    } catch {
      // Whatever failed (error, rate limit, deadline), the caller must not hear dead air. A persona has no
      // message to take: it says goodbye.
      if (start.persona) {
        fallbackUsed = true;
        return hangup(start.persona.unavailableGoodbye);
      }
      return startFallback("I'm sorry, I'm having trouble right now, but I can take a message. What's your name?");
    }
    if (reply.transcriptStored && carried) transcript.stored(carried);
    const effects: AgentEffect[] = reply.effects;
    for (const effect of effects) {
      if (effect.type === 'message') takeMessage(effect.callerName, effect.callbackE164 ?? start.from, effect.message);
      if (effect.type === 'booked' || effect.type === 'rescheduled' || effect.type === 'cancelled') appointments.add(effect.type);
    }
    if (effects.some((e) => e.type === 'transfer')) {
      if (start.transferE164) {
        const say = reply.say || 'Let me connect you with someone now. Please hold.';
        transcript.add('agent', say);
        return { type: 'transfer', say, to: start.transferE164, turn: nextTurn++ };
      }
      return gather("I'm sorry, nobody can take the call right now, but I can take a message. What's your name?");
    }
    if (effects.some((e) => e.type === 'opt_out')) optedOut = true;
    if (effects.some((e) => e.type === 'end' || e.type === 'opt_out')) return hangup(reply.say || 'Thank you for calling. Goodbye!');
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

  return {
    /** The next thing Twilio should do, given what the caller did. */
    async turn(input: TurnInput): Promise<CallAction> {
      switch (input.kind) {
        case 'answer': {
          if (start.messageOnly) {
            mode = 'fallback-name';
            fallbackUsed = true;
          }
          const action = greetingAction(start);
          return { ...gather(...action.say), startRecording: action.startRecording };
        }
        case 'silence':
          silences += 1;
          if (silences >= MAX_SILENCES) return hangup("I haven't heard anything, so I'll end the call now. Please call back any time. Goodbye!");
          return gather("Sorry, I didn't catch that. How can I help you?");
        case 'speech':
          silences = 0;
          callerSpoke = true;
          transcript.add('caller', input.text);
          // "Stop calling me" ends the call at once, whatever a model would have made of it.
          if (start.persona && new RegExp(start.persona.optOutPattern, 'i').test(input.text)) {
            optedOut = true;
            return hangup(start.persona.optOutGoodbye);
          }
          return mode === 'agent' ? agentTurn() : scriptedTurn(input.text);
        case 'transfer-ended':
          if (input.dialStatus === 'completed' || input.dialStatus === 'answered') {
            transferred = true;
            return hangup('');
          }
          return startFallback("I'm sorry, nobody is available right now. I can take a message. What's your name?");
      }
    },

    /** What the call achieved, the strongest first. */
    outcome(status: string): CallOutcome {
      if (transferred) return 'transferred';
      for (const done of ['booked', 'rescheduled', 'cancelled'] as const) if (appointments.has(done)) return done;
      if (messageTaken) return 'message_taken';
      if (status !== 'completed') return 'failed';
      return callerSpoke ? 'info_only' : 'abandoned';
    },

    /** Agent turns carry the transcript; while the scripted path runs, leftovers are stored by activity. */
    get scripted(): boolean {
      return mode !== 'agent';
    },
    /** The caller asked not to be called again (a persona's opt-out). */
    get optedOut(): boolean {
      return optedOut;
    },
    get callerSpoke(): boolean {
      return callerSpoke;
    },
    get fallbackUsed(): boolean {
      return fallbackUsed;
    },
    get turnsTaken(): number {
      return nextTurn - 1;
    },
  };
}
