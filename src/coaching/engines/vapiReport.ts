import type { EngineReport, ReportLine } from '../../../workflows/coaching/definitions';
import { COACH_ONE_MINUTE_LEFT, coachTimeUp, OPT_OUT_GOODBYE, wantsNoMoreCalls, type CoachPersona } from '../persona';
import { outcomeOfVapiReason } from './endedReason';
import type { VapiArtifact } from './vapiClient';

/**
 * Vapi's account of a finished call (its end-of-call report, or the call fetched from its API when the
 * report never came) as the practice call's report. Message roles are typed only as strings: `bot` and
 * `assistant` are the coach, `user` the learner, the rest (system, tools) is not conversation. Times are
 * epoch milliseconds; each line is timed from the call's start.
 */
export function reportFromVapi(input: { callId: string; endedReason?: string; startedAt?: string; endedAt?: string; artifact?: VapiArtifact }): EngineReport {
  const started = input.startedAt ? Date.parse(input.startedAt) : Number.NaN;
  const ended = input.endedAt ? Date.parse(input.endedAt) : Number.NaN;
  const lines: ReportLine[] = [];
  for (const m of input.artifact?.messages ?? []) {
    const role = m.role === 'user' ? 'learner' : m.role === 'bot' || m.role === 'assistant' ? 'coach' : null;
    const text = m.message?.trim();
    if (!role || !text) continue;
    const at = (t: number | undefined) => (t !== undefined && Number.isFinite(started) ? Math.max(0, Math.round(t - started)) : undefined);
    lines.push({ role, text, startMs: at(m.time), endMs: at(m.endTime) });
  }
  const endedReason = input.endedReason ?? 'unknown';
  return {
    providerCallId: input.callId,
    endedReason,
    outcome: outcomeOfVapiReason(input.endedReason),
    durationSeconds: Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, Math.round((ended - started) / 1000)) : 0,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    lines,
    optedOut: optedOutIn(lines),
    recordingRef: input.artifact?.recordingUrl ? input.callId : undefined,
  };
}

/** The learner asked not to be called again, in so many words, or the coach confirmed it. */
export function optedOutIn(lines: ReportLine[]): boolean {
  return lines.some((l) => (l.role === 'learner' && wantsNoMoreCalls(l.text)) || (l.role === 'coach' && l.text.includes(OPT_OUT_GOODBYE.slice(0, 30))));
}

/** The call Vapi places: an inline assistant made from the persona, reporting to our signed webhook. */
export function vapiCallBody(input: {
  persona: CoachPersona;
  to: string;
  learnerName: string;
  phoneNumberId: string;
  maxSeconds: number;
  serverUrl: string;
  credentialId?: string;
  attemptKey: string;
  systemPrompt: string;
  firstMessage: string;
  /** The model Vapi runs the coach on (COACH_VAPI_MODEL, `<provider>/<model>`). */
  model: { provider: string; model: string };
}): Record<string, unknown> {
  return {
    phoneNumberId: input.phoneNumberId,
    customer: { number: input.to, name: input.learnerName },
    assistant: {
      firstMessage: input.firstMessage,
      firstMessageMode: 'assistant-speaks-first',
      model: { provider: input.model.provider, model: input.model.model, messages: [{ role: 'system', content: input.systemPrompt }], temperature: 0.6, maxTokens: 250 },
      voice: { provider: 'vapi', voiceId: input.persona.voice },
      transcriber: { provider: 'deepgram', model: 'nova-3', language: 'en' },
      maxDurationSeconds: input.maxSeconds,
      // The plan's length kept like the built-in engine keeps it: a warning a minute before, then a goodbye
      // and the end, ahead of Vapi's hard limit (call.timeElapsed hooks fire once, seconds from the start).
      hooks:
        input.maxSeconds > 90
          ? [
              { on: 'call.timeElapsed', options: { seconds: input.maxSeconds - 60 }, do: [{ type: 'say', exact: COACH_ONE_MINUTE_LEFT }] },
              { on: 'call.timeElapsed', options: { seconds: input.maxSeconds - 10 }, do: [{ type: 'say', exact: coachTimeUp(input.persona) }, { type: 'tool', tool: { type: 'endCall' } }] },
            ]
          : [],
      // Vapi ends the call when the coach says these (after the opt-out confirmation, or the goodbye).
      endCallPhrases: ["I won't call you again", "That's our time for today"],
      voicemailDetection: { provider: 'vapi', backoffPlan: { startAtSeconds: 4, frequencySeconds: 2.5, maxRetries: 5 } },
      backgroundSound: 'off',
      // Recorded for the learner's feedback; deleted at Vapi after COACH_RECORDING_RETENTION_DAYS.
      artifactPlan: { recordingEnabled: true, recordingFormat: 'mp3' },
      serverMessages: ['status-update', 'end-of-call-report'],
      server: { url: input.serverUrl, ...(input.credentialId ? { credentialId: input.credentialId } : {}), timeoutSeconds: 20 },
      metadata: { attemptKey: input.attemptKey },
    },
  };
}
