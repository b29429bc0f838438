import type { ExportContext, ExportSection } from '../platform/registration';
import { coachingOrganization } from './organizations';
import { PRACTICE_ANALYSIS_CONTEXT } from '../platform/crypto/fieldContexts';

/**
 * Learners, their consent records, plans, practice calls, the do-not-call list and the topic catalogue; or
 * one learner's own profile, consents, plans and practice calls (transcripts are in the calls section;
 * balances in billing's).
 */
export const coachingExport: ExportSection = {
  scopes: ['organization', 'user'],
  async build({ db, orgId, scope, decrypt }: ExportContext) {
    // A receptionist's export has no coaching files.
    if (!(await coachingOrganization(db, orgId))) return { json: {} };
    const consents = (userId?: string) =>
      db('coach_consents')
        .where({ org_id: orgId })
        .modify((q) => void (userId && q.where({ user_id: userId })))
        .orderBy('granted_at')
        .select('user_id', 'phone_e164', 'text', 'text_version', 'method', 'granted_at', 'withdrawn_at', 'withdrawn_via');
    const plans = (userId?: string) =>
      db('coach_plans').where({ org_id: orgId }).modify((q) => void (userId && q.where({ user_id: userId }))).orderBy('created_at').select('id', 'user_id', 'days', 'local_time', 'minutes', 'topic_ids', 'retry_attempts', 'retry_after_minutes', 'status', 'paused_reason', 'created_at');
    const practiceCalls = (userId?: string) =>
      db('practice_calls')
        .where({ org_id: orgId })
        .modify((q) => void (userId && q.where({ user_id: userId })))
        .orderBy('scheduled_for')
        .select('id', 'plan_id', 'user_id', 'topic_id', 'engine', 'trigger', 'status', 'refusal_reason', 'attempts', 'ended_reason', 'duration_seconds', 'billed_minutes', 'cost_minor', 'call_id', 'scheduled_for', 'started_at', 'ended_at', 'recording_deleted_at');
    const analyses = async (userId?: string) =>
      Promise.all(
        (
          await db('practice_analyses as a')
            .join('practice_calls as p', (j) => j.on('p.org_id', 'a.org_id').andOn('p.id', 'a.practice_call_id'))
            .where('a.org_id', orgId)
            .modify((q) => void (userId && q.where('p.user_id', userId)))
            .orderBy('a.created_at')
            .select('a.practice_call_id', 'p.user_id', 'a.status', 'a.model', 'a.prompt_version', 'a.analysed_at', 'a.cefr_band', 'a.contested_at', 'a.contest_reason', 'a.review_decision', 'a.reviewed_at', 'a.result_ciphertext')
        ).map(async ({ result_ciphertext, ...row }: { result_ciphertext: Buffer | null } & Record<string, unknown>) => ({ ...row, result: result_ciphertext ? JSON.parse((await decrypt(PRACTICE_ANALYSIS_CONTEXT, result_ciphertext))!) : null })),
      );
    const levels = (userId?: string) =>
      db('learner_level_history').where({ org_id: orgId }).modify((q) => void (userId && q.where({ user_id: userId }))).orderBy('id').select('user_id', 'level', 'confidence', 'calls', 'reason', 'changed_at');
    const practice = async (userId?: string) => ({
      'vocabulary.json': await db('learner_words').where({ org_id: orgId }).modify((q) => void (userId && q.where({ user_id: userId }))).orderBy('created_at').select('user_id', 'word', 'source', 'due_at', 'card', 'created_at'),
      'word_reviews.json': await db('learner_word_reviews').where({ org_id: orgId }).modify((q) => void (userId && q.where({ user_id: userId }))).orderBy('id').select('user_id', 'word', 'practice_call_id', 'rating', 'reviewed_at'),
      'recurring_mistakes.json': await db('learner_mistakes').where({ org_id: orgId }).modify((q) => void (userId && q.where({ user_id: userId }))).orderBy('count', 'desc').select('user_id', 'category', 'count', 'last_rule', 'updated_at'),
    });
    if (scope.scope === 'user') {
      const profile = await db('learners').where({ org_id: orgId, user_id: scope.userId }).first('phone_e164', 'time_zone', 'native_language', 'goals', 'self_level', 'coach_voice', 'correction_style', 'speaking_speed', 'estimated_level', 'level_confidence', 'objected_at', 'created_at');
      return { json: profile ? { 'learner_profile.json': profile, 'call_consents.json': await consents(scope.userId), 'call_plans.json': await plans(scope.userId), 'practice_calls.json': await practiceCalls(scope.userId), 'practice_analyses.json': await analyses(scope.userId), 'level_history.json': await levels(scope.userId), ...(await practice(scope.userId)) } : {} };
    }
    return {
      json: {
        'learners.json': await db('learners').where({ org_id: orgId }).orderBy('created_at').select('user_id', 'phone_e164', 'time_zone', 'native_language', 'goals', 'self_level', 'created_at'),
        'call_consents.json': await consents(),
        'call_plans.json': await plans(),
        'practice_calls.json': await practiceCalls(),
        'practice_analyses.json': await analyses(),
        'level_history.json': await levels(),
        ...(await practice()),
        'do_not_call.json': await db('coach_opt_outs').where({ org_id: orgId }).orderBy('created_at').select('phone_e164', 'via', 'created_at'),
        'topics.json': await db('coach_topics').where({ org_id: orgId }).orderBy('title').select('id', 'title', 'min_level', 'max_level', 'prompts', 'target_words', 'archived_at'),
      },
    };
  },
};
