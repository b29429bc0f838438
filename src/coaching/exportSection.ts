import type { ExportContext, ExportSection } from '../platform/registration';
import { coachingOrganization } from './organizations';

/** Learners, their consent records and the topic catalogue; or one learner's own profile and consents. */
export const coachingExport: ExportSection = {
  scopes: ['organization', 'user'],
  async build({ db, orgId, scope }: ExportContext) {
    // A receptionist's export has no coaching files.
    if (!(await coachingOrganization(db, orgId))) return { json: {} };
    const consents = (userId?: string) =>
      db('coach_consents')
        .where({ org_id: orgId })
        .modify((q) => void (userId && q.where({ user_id: userId })))
        .orderBy('granted_at')
        .select('user_id', 'phone_e164', 'text', 'text_version', 'method', 'granted_at', 'withdrawn_at', 'withdrawn_via');
    if (scope.scope === 'user') {
      const profile = await db('learners').where({ org_id: orgId, user_id: scope.userId }).first('phone_e164', 'time_zone', 'native_language', 'goals', 'self_level', 'created_at');
      return { json: profile ? { 'learner_profile.json': profile, 'call_consents.json': await consents(scope.userId) } : {} };
    }
    return {
      json: {
        'learners.json': await db('learners').where({ org_id: orgId }).orderBy('created_at').select('user_id', 'phone_e164', 'time_zone', 'native_language', 'goals', 'self_level', 'created_at'),
        'call_consents.json': await consents(),
        'topics.json': await db('coach_topics').where({ org_id: orgId }).orderBy('title').select('id', 'title', 'min_level', 'max_level', 'prompts', 'target_words', 'archived_at'),
      },
    };
  },
};
