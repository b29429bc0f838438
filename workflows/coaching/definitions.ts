import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The coach's workflows and their messages, shared by workflows, activities and the API (which never
 * imports workflow code). A plan is the Temporal Schedule `coach-plan:<planId>`; each planned call is the
 * workflow `practice-call:<planId>-<time>`, started by that schedule (or by "call me now").
 */
export interface PracticeCallInput {
  orgId: string;
  planId: string;
  trigger: 'schedule' | 'now';
}

export type Engine = 'vapi' | 'twilio';

/** One line of the conversation, the learner's or the coach's, timed from the call's start where known. */
export interface ReportLine {
  role: 'learner' | 'coach';
  text: string;
  startMs?: number;
  endMs?: number;
}

/** How an attempt ended, as the engine reported it (Vapi's end-of-call report, or the Twilio call's end). */
export interface EngineReport {
  providerCallId: string;
  /** The engine's own words (Vapi's endedReason, Twilio's final status), kept raw. */
  endedReason: string;
  outcome: 'completed' | 'busy' | 'no_answer' | 'voicemail' | 'failed';
  durationSeconds: number;
  startedAt?: string;
  endedAt?: string;
  lines: ReportLine[];
  /** The learner asked not to be called again, during the call. */
  optedOut: boolean;
  /** Where the engine keeps the recording (Vapi: its call id), absent without one. */
  recordingRef?: string;
  /** The calls row the built-in engine wrote (with its transcript); absent for Vapi until stored. */
  callId?: string;
}

/** What the voice engine's webhooks tell the practice call (Vapi's server messages; Twilio's AMD answer). */
export type PracticeEvent =
  | { kind: 'status'; providerCallId: string; status: string; endedReason?: string }
  | { kind: 'report'; report: EngineReport };

export interface PracticeCallState {
  status: string;
  attempts: number;
  practiceCallId?: string;
  refusal?: string;
}

export const practiceEventSignal = defineSignal<[PracticeEvent]>('practiceEvent');
export const practiceCallStateQuery = defineQuery<PracticeCallState>('state');

export interface PracticeAnalysisInput {
  orgId: string;
  practiceCallId: string;
}
export const practiceAnalysisWorkflowId = (practiceCallId: string) => `practice-analysis:${practiceCallId}`;

export interface WeeklyProgressInput {
  orgId: string;
}
export const weeklyProgressScheduleId = (orgId: string) => `coach-progress:${orgId}`;

export const coachPlanScheduleId = (planId: string) => `coach-plan:${planId}`;
/** The id a schedule gives its runs is this plus `-<time>`; "call me now" names its run the same way. */
export const practiceCallWorkflowIdBase = (planId: string) => `practice-call:${planId}`;
export const practiceCallWorkflowId = (planId: string, at: Date) => `${practiceCallWorkflowIdBase(planId)}-${at.toISOString()}`;

/** Search attribute: the practice call's state, filterable in the Temporal UI (never personal data). */
export const PracticeCallStatus = defineSearchAttributeKey('PracticeCallStatus', SearchAttributeType.KEYWORD);
