import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The call workflow's messages, shared by the workflow and the API (which never imports workflow code).
 * Each caller utterance is a Workflow Update whose result is the next thing Twilio should do.
 */

/** What the organization's agent needs from the start, snapshotted when the call arrives. */
export interface CallStart {
  callSid: string;
  callId: string;
  orgId: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  phoneNumberId?: string;
  greeting: string;
  recording: { enabled: boolean; announcement: string };
  transferE164?: string;
  /** The agent's per-turn deadline (LLM_TURN_TIMEOUT_MS); past it the caller hears the scripted path. */
  agentDeadlineMs: number;
  /** Ask Twilio for the call's status when no final status callback arrived after this long. */
  statusCheckAfterMs: number;
  /**
   * Asking Twilio is retried this long at most; then the call ends with the status `unknown` (absent in
   * calls started before it existed: an hour).
   */
  statusGiveUpMs?: number;
  /**
   * A prepaid organization's call: how long the balance pays for, and how long before that the caller
   * is told the time is nearly up. Absent for everyone else (and in calls started before it existed).
   */
  prepaid?: { secondsLeft: number; warnSecondsBefore: number; nearlyUpLine?: string; timeUpLine?: string };
  /**
   * Another agent than the receptionist on the same engine (the English coach's outbound practice call):
   * its prompt, its tools, and the caller's words that end the call at once. Absent: the receptionist.
   */
  persona?: AgentPersona;
  /**
   * The organization's service is suspended (unpaid) or its billing ended: the call is answered only to
   * take a message, by the scripted path, whose opening is the greeting.
   */
  messageOnly?: boolean;
  /**
   * An incoming call the webhook has already answered: it wrote the call row and said `greetingAction(start)`
   * without waiting for this workflow, which records that answer itself instead of waiting for an
   * `answer` Update. Absent: the call is answered by that Update (outbound calls when picked up, and
   * calls started before 2026-11-30).
   */
  answeredAtStart?: boolean;
}

export interface AgentPersona {
  /** The system prompt, whole. */
  systemPrompt: string;
  /** The tool set the model is offered. */
  tools: 'coach';
  /** Words of the caller (a regular expression's source, case-insensitive) that end the call at once and withdraw consent to be called. */
  optOutPattern: string;
  /** What the agent says then. */
  optOutGoodbye: string;
  /** What the agent says when it cannot go on (the model failing): the persona has no scripted path, so it says goodbye. */
  unavailableGoodbye: string;
}

export type TurnInput =
  | { kind: 'answer' }
  | { kind: 'speech'; text: string }
  | { kind: 'silence' }
  | { kind: 'transfer-ended'; dialStatus: string };

/** The next step of the call, rendered as TwiML by the API. `turn` numbers the next turn's webhook. */
export type CallAction =
  | { type: 'gather'; say: string[]; turn: number; startRecording?: boolean }
  | { type: 'transfer'; say: string; to: string; turn: number }
  | { type: 'hangup'; say: string };

/**
 * What an answered call hears first, and the turn the caller's reply will be: a pure function of the call's
 * start, so the incoming webhook can answer with it before the call workflow has run (`answeredAtStart`)
 * and the workflow records exactly what was said.
 */
export function greetingAction(start: CallStart): Extract<CallAction, { type: 'gather' }> & { startRecording: boolean } {
  const say = start.recording.enabled ? [start.recording.announcement, start.greeting] : [start.greeting];
  return { type: 'gather', say, turn: 1, startRecording: start.recording.enabled };
}

export interface CallStatusEvent {
  status: string;
  durationSeconds?: number;
  /** Twilio's SequenceNumber: events can arrive out of order. */
  sequence?: number;
  /** Why the status is what it is, when we could not learn it from Twilio (`unknown`). */
  reason?: string;
}

export type CallOutcome = 'booked' | 'rescheduled' | 'cancelled' | 'message_taken' | 'transferred' | 'info_only' | 'abandoned' | 'failed';

export interface CallSummary {
  status: string;
  turns: number;
  fallback: boolean;
}

export const turnUpdate = defineUpdate<CallAction, [TurnInput]>('turn');
export const callStatusSignal = defineSignal<[CallStatusEvent]>('status');
export const callSummaryQuery = defineQuery<CallSummary>('summary');

/** Call states after which nothing more happens on a call. */
export const TERMINAL_CALL_STATUSES: readonly string[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

export const callWorkflowId = (callSid: string) => `call:${callSid}`;

/** Deleting one call's recordings at Twilio: an admin's request, or (later) retention. */
export interface RecordingDeletionInput {
  orgId: string;
  callId: string;
}
export const recordingDeletionWorkflowId = (callId: string) => `recordings-delete:${callId}`;

/** Search attribute: CallStatus, filterable in the Temporal UI (never personal data). */
export const CallStatus = defineSearchAttributeKey('CallStatus', SearchAttributeType.KEYWORD);
