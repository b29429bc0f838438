import { z } from 'zod';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso } from '../../platform/http/v1/schemas';
import { kvkkNotice, learnerProcessors } from '../kvkk';
import { coachingOrganization, requireCoachingOrganization } from '../organizations';
import { ownLearner } from './ownLearner';

const Recipient = z.object({ name: z.string(), role: z.string(), data: z.array(z.string()), location: z.string(), when: z.string().optional() });
const Notice = z
  .object({ language: z.enum(['tr', 'en']), heading: z.string(), intro: z.string(), purposes: z.array(z.string()), categories: z.array(z.string()), recipients: z.array(Recipient), transfersAbroad: z.array(z.string()), retention: z.string(), rights: z.string() })
  .meta({ id: 'KvkkNotice' });

export const kvkkRoutes = [
  defineRoute({
    method: 'get',
    path: '/coaching/organizations/{organizationId}/kvkk-notice',
    operationId: 'getKvkkNotice',
    summary: 'The KVKK notice (Turkish or English) a coaching organization gives its learners; linked from sign-up and emails',
    tag: 'Coaching',
    access: 'public',
    params: z.object({ organizationId: idOf('org') }),
    query: z.object({ lang: z.enum(['tr', 'en']).default('tr') }),
    response: { schema: Notice, description: 'The notice' },
    errors: [404],
    async handle({ deps, params, query }) {
      const org = await coachingOrganization(deps.db, params.organizationId);
      if (!org || org.status !== 'active') throw new ApiError(404, 'not_found', 'No such coaching organization');
      return kvkkNotice(org.name, query.lang, learnerProcessors(deps.processors));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/me/learner/kvkk-information',
    operationId: 'getMyKvkkInformation',
    summary: 'An information request (KVKK art. 11, GDPR art. 15): whether and which of your data is processed, why, by whom at home and abroad, and how much of it there is',
    tag: 'Coaching',
    access: 'learner',
    query: z.object({ lang: z.enum(['tr', 'en']).default('en') }),
    response: {
      schema: Notice.extend({
        held: z.record(z.string(), z.number()).meta({ description: 'How many records of each kind are held about you' }),
        erasedAtProcessors: z.array(z.object({ processor: z.string(), practiceCallId: z.string(), outcome: z.string(), at: z.string() })).meta({ description: 'Each erasure of your data asked of a processor (recordings at Vapi), with its outcome' }),
        correctedAtProcessors: z.array(z.object({ processor: z.string(), field: z.string(), outcome: z.string(), at: z.string() })).meta({ description: 'Each correction of your profile, per processor that received the field, with what it means there' }),
        answeredAt: z.string(),
      }).meta({ id: 'KvkkInformation' }),
      description: 'The answer',
    },
    errors: [404],
    handle: ({ auth, deps, query, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const userId = ownLearner(auth);
        const org = await requireCoachingOrganization(trx, auth.orgId, 'This is not a coaching organization');
        const count = async (table: string, column = 'user_id') => Number((await trx(table).where({ [column]: userId }).count({ n: '*' }).first())?.n ?? 0);
        const held = {
          profile: await count('learners'),
          consentRecords: await count('coach_consents'),
          plans: await count('coach_plans'),
          practiceCalls: await count('practice_calls'),
          analyses: Number((await trx('practice_analyses as a').join('practice_calls as p', (j) => j.on('p.org_id', 'a.org_id').andOn('p.id', 'a.practice_call_id')).where('p.user_id', userId).count({ n: '*' }).first())?.n ?? 0),
          levelChanges: await count('learner_level_history'),
          wordsInPractice: await count('learner_words'),
          balanceTransactions: await count('balance_ledger'),
        };
        // What each processor was asked to erase of this learner's data, and when (KVKK art. 11/1-f).
        const erasures = await trx('audit_log').where({ action: 'coaching.processor_erasure', target_id: userId }).orderBy('id').select('metadata', 'created_at');
        const corrections = await trx('audit_log').where({ action: 'coaching.processor_correction', target_id: userId }).orderBy('id').select('metadata', 'created_at');
        await audit(trx, req, auth, { action: 'coaching.information_request', targetType: 'user', targetId: userId });
        return {
          ...kvkkNotice(org.name, query.lang, learnerProcessors(deps.processors)),
          held,
          erasedAtProcessors: erasures.map((e) => ({ processor: String(e.metadata?.processor), practiceCallId: String(e.metadata?.practiceCallId), outcome: String(e.metadata?.outcome), at: iso(e.created_at)! })),
          correctedAtProcessors: corrections.map((c) => ({ processor: String(c.metadata?.processor), field: String(c.metadata?.field), outcome: String(c.metadata?.outcome), at: iso(c.created_at)! })),
          answeredAt: iso(new Date())!,
        };
      }),
  }),
];
