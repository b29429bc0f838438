import { z } from 'zod';
import { CEFR_LEVELS } from '../repositories/learners';

/**
 * What the analysis model is asked for, as one structured answer (a forced tool's input, or a JSON-schema
 * answer), validated here with zod: the model's word is never taken unchecked. Scores are not asked of it:
 * it quotes and counts, and code turns counts into scores (README, "What each score measures").
 */
const quote = z.string().trim().min(1).max(300);
export const Assessment = z.object({
  feedback: z.object({
    summary: z.string().trim().min(1).max(600).describe('Two or three sentences to the learner, in plain English'),
    strengths: z.array(z.string().trim().min(1).max(200)).min(1).max(5),
    toPractise: z.array(z.string().trim().min(1).max(200)).min(1).max(5),
  }),
  grammar: z.object({
    clauses: z.number().int().min(0).max(2000).describe("Number of finite clauses in the learner's turns"),
    mistakes: z
      .array(
        z.object({
          quote: quote.describe("The learner's words, verbatim"),
          correction: quote,
          rule: z.string().trim().min(1).max(200).describe('The rule, in one line'),
          category: z.string().trim().min(1).max(40).describe('The kind of mistake in two or three words, e.g. "past simple", "articles", "prepositions of time"'),
        }),
      )
      .max(100),
  }),
  vocabulary: z.object({
    newWords: z.array(z.string().trim().min(1).max(60)).max(50).describe('Less common words the learner used well'),
    misused: z.array(z.object({ quote, better: quote, why: z.string().trim().min(1).max(200) })).max(50),
  }),
  cefr: z.object({
    band: z.enum(CEFR_LEVELS),
    evidence: z.array(quote).min(1).max(5).describe("Quotes from the learner's turns that support the band"),
    explanation: z.string().trim().min(1).max(400),
  }),
});
export type Assessment = z.infer<typeof Assessment>;

export const ASSESSMENT_TOOL = {
  name: 'record_assessment',
  description: "Record the assessment of the learner's side of this practice conversation.",
  inputSchema: z.toJSONSchema(Assessment, { target: 'draft-7' }) as Record<string, unknown>,
};

/** Bumped whenever the prompt or the schema changes: stored with each analysis. */
export const PROMPT_VERSION = 'coach-assessment-2026-11-29.2';

export function assessmentSystemPrompt(input: { nativeLanguage: string; selfLevel: string | null; topic: string | null }): string {
  return [
    'You assess an English learner from the transcript of a spoken practice conversation with an AI coach. The transcript comes from speech recognition: ignore punctuation and capitalisation, and do not count recogniser slips (a wrong homophone) as the learner’s mistakes.',
    `The learner's native language is ${input.nativeLanguage}${input.selfLevel ? `; they believe their level is ${input.selfLevel}` : ''}${input.topic ? `; the topic was "${input.topic}"` : ''}.`,
    'Assess only the LEARNER lines. Quote the learner verbatim for every mistake and every piece of evidence. Count finite clauses honestly. List every grammar mistake once, with its correction, the rule in one line, and its kind in two or three words (the same words for the same kind of mistake).',
    'Estimate a CEFR band for this conversation only, as a practice estimate from the CEFR descriptors for range, accuracy, fluency, interaction and coherence; it is not a certified level.',
    'Do not judge pronunciation or fluency: the transcript cannot show them.',
    'Answer only by calling record_assessment.',
  ].join('\n\n');
}

export const transcriptText = (lines: Array<{ role: 'learner' | 'coach'; text: string }>): string => lines.map((l) => `${l.role === 'learner' ? 'LEARNER' : 'COACH'}: ${l.text}`).join('\n');

/** The answer checked; a failure says what was wrong, in a form the model can act on when asked again. */
export function checkAssessment(raw: unknown): { ok: true; assessment: Assessment } | { ok: false; error: string } {
  const parsed = Assessment.safeParse(raw);
  if (parsed.success) return { ok: true, assessment: parsed.data };
  return { ok: false, error: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`).join('; ') };
}
