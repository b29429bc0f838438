import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../../src/platform/config';
import { PRACTICE_ANALYSIS_CONTEXT, TRANSCRIPT_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { LlmProvider } from '../../src/platform/providers/llm';
import { callHistoryRepository } from '../../src/calls/repositories/callHistory';
import { assessmentSystemPrompt, checkAssessment, PROMPT_VERSION, transcriptText, type Assessment } from '../../src/coaching/analysis/assessment';
import { anthropicAssessor, openAiAssessor, type Assessor } from '../../src/coaching/analysis/assessors';
import { fluencyOf, lexicalDiversity, MIN_WORDS_FOR_SCORES, wordsOf, type FluencyMeasure, type Measured } from '../../src/coaching/analysis/measures';
import type { ReportLine } from '../../workflows/coaching/definitions';
import { recomputeLevel } from '../../src/coaching/analysis/level';
import { recordPractice } from '../../src/coaching/practice';
import { refusedForGood } from '../../src/platform/providers/httpRefusal';
import type { PronunciationMeasure } from '../../src/coaching/pronunciation/score';

const notFromAudioYet = (config: Pick<Config, 'pronunciation'>) => ({
  measured: false as const,
  reason: config.pronunciation ? 'the pronunciation assessment of the recording has not finished' : 'pronunciation is judged only from audio by a pronunciation-assessment service, and none is configured',
});

/** What is stored (encrypted) and shown: every score with how it was reached and its evidence, or why it is not there. */
export interface AnalysisResult {
  learnerWords: number;
  scored: boolean;
  /** Why there are no scores (too little speech), when there are none. */
  notScoredBecause?: string;
  feedback: Assessment['feedback'];
  grammar: Measured<{ score: number; errorsPerClause: number; clauses: number; mistakes: Assessment['grammar']['mistakes']; explanation: string }>;
  vocabulary: Measured<{ score: number; lexicalDiversity: number; newWords: string[]; misused: Assessment['vocabulary']['misused']; explanation: string; cefrProfile: { measured: false; reason: string } }>;
  fluency: Measured<FluencyMeasure>;
  /** Written by the pronunciation step, from audio; until then (or without a service) not measured. */
  pronunciation: PronunciationMeasure;
  cefr: Measured<Assessment['cefr'] & { estimate: 'practice estimate for this conversation, not a certified level' }>;
  model: string;
  promptVersion: string;
}

export function assessorOf(config: Pick<Config, 'analysis' | 'llm'>, llm: LlmProvider): Assessor | undefined {
  const { analysis } = config;
  const anthropic = analysis.anthropicApiKey && analysis.provider !== 'openai' ? anthropicAssessor({ apiKey: analysis.anthropicApiKey, baseUrl: analysis.anthropicBaseUrl, model: analysis.model }) : undefined;
  if (anthropic) return anthropic;
  if (analysis.provider !== 'anthropic' && config.llm.apiKey) return openAiAssessor(llm, analysis.provider === 'openai' ? analysis.model : config.llm.model);
  return undefined;
}

export function createPracticeAnalysisActivities(deps: { db: Db; fields: FieldCipher; config: Config; llm: LlmProvider; assessor?: Assessor }) {
  const { db, fields, config } = deps;
  const assessor = deps.assessor ?? assessorOf(config, deps.llm);

  return {
    /**
     * The learner's side of a finished practice call, assessed: the model quotes mistakes with corrections
     * and rules, new and misused words, and a CEFR band with evidence (checked with zod; an invalid answer
     * goes back to it with what was wrong, ANALYSIS_CORRECTION_ATTEMPTS times); code measures the rest
     * and turns counts into scores. Fewer than 75 learner words: feedback, no scores. Heartbeats between
     * model calls. Writing it again replaces it (a re-run).
     */
    async analyzePracticeCall(input: { orgId: string; practiceCallId: string }): Promise<{ status: 'completed' | 'insufficient' | 'objected' }> {
      const found = await withTenant(db, input.orgId, async (trx) => {
        const pc = await trx('practice_calls').where({ id: input.practiceCallId }).first('call_id', 'user_id', 'topic_id', 'ended_at');
        if (!pc) return undefined;
        const learner = await trx('learners').where({ user_id: pc.user_id }).first('native_language', 'self_level', 'objected_at');
        // A learner who objects to the analysis of their calls: nothing is sent to a model, nothing scored.
        if (learner?.objected_at) {
          await trx('practice_analyses')
            .insert({ org_id: input.orgId, practice_call_id: input.practiceCallId, status: 'objected' })
            .onConflict(['org_id', 'practice_call_id'])
            .merge({ status: 'objected', result_ciphertext: null, grammar_score: null, vocabulary_score: null, fluency_score: null, cefr_band: null, updated_at: trx.fn.now() });
          return 'objected' as const;
        }
        const topic = pc.topic_id ? await trx('coach_topics').where({ id: pc.topic_id }).first('title') : undefined;
        const turns = pc.call_id ? await callHistoryRepository(trx).transcript(pc.call_id) : [];
        await trx('practice_analyses')
          .insert({ org_id: input.orgId, practice_call_id: input.practiceCallId, status: 'pending', attempts: 1 })
          .onConflict(['org_id', 'practice_call_id'])
          .merge({ status: 'pending', attempts: trx.raw('practice_analyses.attempts + 1'), error: null, updated_at: trx.fn.now() });
        return { learner, userId: pc.user_id as string, endedAt: pc.ended_at ? new Date(pc.ended_at) : new Date(), topic: (topic?.title as string | undefined) ?? null, turns };
      });
      if (!found) throw ApplicationFailure.nonRetryable(`practice call ${input.practiceCallId} not found`, 'NotFound');
      if (found === 'objected') return { status: 'objected' };
      const lines: ReportLine[] = [];
      for (const t of found.turns) {
        if (t.role !== 'caller' && t.role !== 'agent') continue;
        lines.push({ role: t.role === 'caller' ? 'learner' : 'coach', text: await fields.decrypt(input.orgId, TRANSCRIPT_CONTEXT, t.text_ciphertext), startMs: t.start_ms ?? undefined, endMs: t.end_ms ?? undefined });
      }
      const words = lines.filter((l) => l.role === 'learner').flatMap((l) => wordsOf(l.text));
      if (words.length === 0) throw ApplicationFailure.nonRetryable('the learner said nothing the transcript holds', 'NoLearnerSpeech');
      if (!assessor) throw ApplicationFailure.nonRetryable('no analysis model is configured (ANTHROPIC_API_KEY or OPENAI_API_KEY)', 'NoAnalysisModel');

      const system = assessmentSystemPrompt({ nativeLanguage: found.learner?.native_language ?? 'unknown', selfLevel: found.learner?.self_level ?? null, topic: found.topic });
      const transcript = transcriptText(lines);
      let correction: string | undefined;
      let assessment: Assessment | undefined;
      for (let asked = 0; asked <= config.analysis.correctionAttempts && !assessment; asked++) {
        const checked = checkAssessment(await askModel(assessor, { system, transcript, correction }));
        Context.current().heartbeat({ asked });
        if (checked.ok) assessment = checked.assessment;
        else correction = checked.error;
      }
      if (!assessment) throw ApplicationFailure.nonRetryable(`the model's answer was still invalid after ${config.analysis.correctionAttempts} correction(s): ${correction}`, 'InvalidAnalysis');

      const result = score(assessment, lines, words, assessor.model, notFromAudioYet(config));
      const ciphertext = await fields.encrypt(input.orgId, PRACTICE_ANALYSIS_CONTEXT, JSON.stringify(result));
      const status = result.scored ? 'completed' : 'insufficient';
      await withTenant(db, input.orgId, async (trx) => {
        await trx('practice_analyses')
          .where({ practice_call_id: input.practiceCallId })
          .update({
            status,
            model: assessor.model,
            prompt_version: PROMPT_VERSION,
            learner_words: words.length,
            grammar_score: result.grammar.measured ? result.grammar.score : null,
            vocabulary_score: result.vocabulary.measured ? result.vocabulary.score : null,
            fluency_score: result.fluency.measured ? result.fluency.score : null,
            pronunciation_score: null,
            cefr_band: result.cefr.measured ? result.cefr.band : null,
            result_ciphertext: ciphertext,
            analysed_at: trx.fn.now(),
            updated_at: trx.fn.now(),
          });
        // The level moves with this call's evidence (or not: one call never moves it alone).
        if (result.cefr.measured) await recomputeLevel(trx, input.orgId, found.userId, `call ${input.practiceCallId} analysed`);
        // Words and mistakes for the next calls, reviewed as of when this call ended.
        await recordPractice(trx, { orgId: input.orgId, userId: found.userId, practiceCallId: input.practiceCallId, at: found.endedAt, learnerWords: new Set(words), newWords: assessment!.vocabulary.newWords, misused: assessment!.vocabulary.misused, mistakes: assessment!.grammar.mistakes });
      });
      return { status };
    },

    /** The analysis could not be made: the call stays as it is, and the analysis says why (re-runnable). */
    async markAnalysisFailed(input: { orgId: string; practiceCallId: string; error: string }): Promise<void> {
      await withTenant(db, input.orgId, (trx) =>
        trx('practice_analyses')
          .insert({ org_id: input.orgId, practice_call_id: input.practiceCallId, status: 'failed', error: input.error.slice(0, 1000) })
          .onConflict(['org_id', 'practice_call_id'])
          .merge({ status: 'failed', error: input.error.slice(0, 1000), updated_at: trx.fn.now() }),
      );
    },
  };
}

/** A refusal the model's API will repeat (a bad request, a bad key) is not retried; overload and outages are. */
async function askModel(assessor: Assessor, input: Parameters<Assessor['assess']>[0]): Promise<unknown> {
  try {
    return await assessor.assess(input);
  } catch (error) {
    const status = (error as { status?: number }).status;
    // 409 too is worth another try at the model's API.
    if (status && refusedForGood(status) && status !== 409) throw ApplicationFailure.nonRetryable(`the analysis model refused: ${(error as Error).message}`, 'ModelRefused');
    throw error;
  }
}

/**
 * Counts into scores, by rules the README states: grammar `100 × max(0, 1 − 2 × errors per clause)`,
 * vocabulary `100 × lexical diversity` (MATTR), fluency from timings; pronunciation only from audio.
 */
function score(a: Assessment, lines: ReportLine[], words: string[], model: string, pronunciation: PronunciationMeasure): AnalysisResult {
  const scored = words.length >= MIN_WORDS_FOR_SCORES;
  const tooShort = { measured: false as const, reason: `${words.length} words from the learner: at least ${MIN_WORDS_FOR_SCORES} are needed to score` };
  const errorsPerClause = a.grammar.mistakes.length / Math.max(1, a.grammar.clauses);
  const diversity = lexicalDiversity(words);
  return {
    learnerWords: words.length,
    scored,
    ...(scored ? {} : { notScoredBecause: tooShort.reason }),
    feedback: a.feedback,
    grammar: scored
      ? { measured: true, score: Math.round(100 * Math.max(0, 1 - 2 * errorsPerClause)), errorsPerClause: Math.round(errorsPerClause * 100) / 100, clauses: a.grammar.clauses, mistakes: a.grammar.mistakes, explanation: `${a.grammar.mistakes.length} mistake(s) in ${a.grammar.clauses} clause(s).` }
      : tooShort,
    vocabulary: scored
      ? {
          measured: true,
          score: Math.round(100 * diversity),
          lexicalDiversity: Math.round(diversity * 100) / 100,
          newWords: a.vocabulary.newWords,
          misused: a.vocabulary.misused,
          explanation: `${Math.round(diversity * 100)}% different words in any 50 (moving-average type-token ratio over ${words.length} words).`,
          cefrProfile: { measured: false, reason: 'no openly licensed CEFR word list is installed yet' },
        }
      : tooShort,
    fluency: scored ? fluencyOf(lines) : tooShort,
    pronunciation: scored ? pronunciation : tooShort,
    cefr: scored ? { measured: true, ...a.cefr, estimate: 'practice estimate for this conversation, not a certified level' } : tooShort,
    model,
    promptVersion: PROMPT_VERSION,
  };
}

export type PracticeAnalysisActivities = ReturnType<typeof createPracticeAnalysisActivities>;
