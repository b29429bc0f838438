import type { Client } from '@temporalio/client';
import { hashPassword } from '../accounts/auth/passwords';
import { createOrganization } from '../accounts/createOrganization';
import { organizationsRepository } from '../accounts/repositories/organizations';
import { consentText } from '../coaching/consent';
import { writePlanSchedule, type PlanRow } from '../coaching/plans';
import { learnersRepository } from '../coaching/repositories/learners';
import { coachSettingsOf } from '../coaching/settings';
import type { Config } from '../platform/config';
import type { Keyring } from '../platform/crypto/keyring';
import { newId } from '../platform/db/ids';
import type { Db } from '../platform/db/knex';
import { withTenant } from '../platform/db/tenancy';

/** 555-01xx numbers reach no one: the coaching school's number and its demo learner's. */
export const DEMO_COACH_NUMBER = '+14155550101';
export const DEMO_LEARNER = { email: 'deniz@learner.callgenly.dev', password: 'practice makes perfect', phone: '+14155550142', name: 'Deniz Kaya' };

/** The demo learner lives where the developer is, so "call me now" falls in their calling window by day. */
export const demoLearnerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The demo coaching organization `npm run dev` starts with: an English school with two topics and a learner
 * who has agreed to be called, holds a balance, and has a plan (Monday, Wednesday, Friday at 18:30 their time). The school uses the engine the platform has: Vapi with VAPI_API_KEY, the built-in Twilio
 * engine otherwise. Created once; its plan's schedule is written on every start (Temporal's data may be new).
 */
export async function seedDemoCoaching(deps: { db: Db; keyring: Keyring; temporal: Client; config: Config }): Promise<{ orgId: string; planId: string; timeZone: string; created: boolean }> {
  const { db, config } = deps;
  const existing = await organizationsRepository(db).findByPhoneNumber(DEMO_COACH_NUMBER);
  let created = false;
  let orgId = existing?.id;
  if (!orgId) {
    created = true;
    const org = await createOrganization(db, deps.keyring, { name: 'Speak Up English', timeZone: 'Europe/Istanbul', phoneNumbers: [DEMO_COACH_NUMBER], product: 'coach' });
    orgId = org.id;
    const userId = newId('usr');
    await db('users').insert({ id: userId, email: DEMO_LEARNER.email, name: DEMO_LEARNER.name, password_hash: await hashPassword(DEMO_LEARNER.password, config.auth.bcryptCost), email_verified_at: db.fn.now() });
    await db('memberships').insert({ org_id: orgId, user_id: userId, role: 'learner' });
    await withTenant(db, orgId, async (trx) => {
      const learners = learnersRepository(trx);
      await learners.create(orgId!, userId, { phoneE164: DEMO_LEARNER.phone, timeZone: demoLearnerZone(), nativeLanguage: 'Turkish', goals: 'Speak confidently in job interviews', selfLevel: 'B1' });
      const consent = consentText('Speak Up English');
      await learners.grantConsent({ orgId: orgId!, userId, phoneE164: DEMO_LEARNER.phone, text: consent.text, textVersion: consent.version, method: 'api' });
      await coachSettingsOf(trx, orgId!, config);
      const topics = [
        { id: newId('top'), title: 'Job interviews', min_level: 'B1', max_level: 'C1', prompts: ['Tell me about your last job.', 'What is your greatest strength?', 'Why do you want this position?'], target_words: ['responsibility', 'deadline', 'teamwork'] },
        { id: newId('top'), title: 'Travel and holidays', min_level: 'A2', max_level: 'B2', prompts: ['Where did you go on your last holiday?', 'What would you pack for a week in London?'], target_words: ['itinerary', 'luggage', 'sightseeing'] },
      ];
      await trx('coach_topics').insert(topics.map((t) => ({ ...t, org_id: orgId, prompts: JSON.stringify(t.prompts), target_words: JSON.stringify(t.target_words) })));
      await trx('coach_plans').insert({ id: newId('plan'), org_id: orgId, user_id: userId, days: [1, 3, 5], local_time: '18:30', minutes: 10, topic_ids: topics.map((t) => t.id), schedule_time_zone: demoLearnerZone() });
    });
    // A demo balance of 20.00 (an adjustment: no Checkout in a demo); the ledger is the platform's to write.
    await db('balance_ledger').insert({ org_id: orgId, user_id: userId, kind: 'adjustment', amount_minor: 2000, currency: config.coaching.currency, idempotency_key: `demo-credit:${userId}` }).onConflict('idempotency_key').ignore();
  }
  const plan: PlanRow & { time_zone: string } = await db('coach_plans').join('learners', 'learners.user_id', 'coach_plans.user_id').where('coach_plans.org_id', orgId).orderBy('coach_plans.created_at').first('coach_plans.*', 'learners.time_zone');
  await writePlanSchedule(deps.temporal, config.temporal.taskQueue, plan, plan.time_zone);
  return { orgId, planId: plan.id, timeZone: plan.time_zone, created };
}
