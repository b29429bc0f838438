import { z } from 'zod';
import type { ChatCompletionMessageParam, JsonFormat } from '../../platform/providers/llm';
import { countryOf, toE164 } from '../../platform/phone';

/**
 * What a finished call was about, extracted by the model as structured output (strict JSON Schema) from
 * the transcript: the caller's intents, the entities they gave, and a short summary for the admin.
 */
export const CALL_INTENTS = [
  'book_appointment',
  'reschedule_appointment',
  'cancel_appointment',
  'leave_message',
  'speak_to_person',
  'ask_question',
  'other',
] as const;

const CallAnalysisSchema = z.object({
  intents: z.array(z.enum(CALL_INTENTS)).describe('every purpose the caller had, most important first'),
  entities: z.object({
    callerName: z.string().nullable().describe("the caller's name, as they gave it"),
    callbackNumber: z.string().nullable().describe('a number the caller asked to be called back on'),
    service: z.string().nullable().describe('the service they asked about or booked'),
    requestedTime: z.string().nullable().describe('the appointment time they asked for, ISO 8601 with offset when it is a precise time, else as said'),
  }),
  summary: z.string().describe('two sentences at most, for the business owner'),
});

export type CallAnalysis = z.infer<typeof CallAnalysisSchema>;
export type CallEntities = CallAnalysis['entities'];

const { $schema: _draft, ...schema } = z.toJSONSchema(CallAnalysisSchema, { target: 'draft-7' });
export const callAnalysisFormat: JsonFormat = { name: 'call_analysis', schema };

const MAX_INTENTS = 5;
const MAX_SUMMARY = 600;

export function analysisMessages(business: { name: string; timeZone: string }, transcript: Array<{ role: string; text: string }>): ChatCompletionMessageParam[] {
  const lines = transcript.map((t) => `${t.role === 'caller' ? 'Caller' : 'Receptionist'}: ${t.text}`).join('\n');
  return [
    {
      role: 'system',
      content: `You analyse phone calls answered by the AI receptionist of ${business.name} (time zone ${business.timeZone}). Extract only what the caller actually said; use null for anything not said.`,
    },
    { role: 'user', content: `Transcript:\n${lines}` },
  ];
}

/**
 * Validates the model's JSON (invalid output throws, so the activity retries) and tidies it: intents
 * de-duplicated and capped, the callback number normalized to E.164 in the called number's country (or
 * dropped when it is not a real number), the summary capped.
 */
export function parseCallAnalysis(raw: string, calledE164: string): CallAnalysis {
  const parsed = CallAnalysisSchema.parse(JSON.parse(raw));
  const number = parsed.entities.callbackNumber;
  return {
    intents: [...new Set(parsed.intents)].slice(0, MAX_INTENTS),
    entities: { ...parsed.entities, callbackNumber: number ? (toE164(number, countryOf(calledE164)) ?? null) : null },
    summary: parsed.summary.trim().slice(0, MAX_SUMMARY),
  };
}
