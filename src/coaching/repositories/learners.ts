import type { Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import { paginate, type Page } from '../../platform/db/pagination';

export const CEFR_LEVELS = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const;
export type CefrLevel = (typeof CEFR_LEVELS)[number];

export interface LearnerRow {
  org_id: string;
  user_id: string;
  phone_e164: string;
  time_zone: string;
  native_language: string;
  goals: string;
  self_level: CefrLevel | null;
  coach_voice: string;
  correction_style: 'gentle' | 'direct';
  speaking_speed: 'slow' | 'normal' | 'fast';
  created_at: Date;
  updated_at: Date;
}

export interface ConsentRow {
  id: string;
  org_id: string;
  user_id: string;
  phone_e164: string;
  text: string;
  text_version: string;
  method: 'web' | 'api';
  ip: string | null;
  granted_at: Date;
  withdrawn_at: Date | null;
  withdrawn_via: 'api' | 'call' | 'sms' | 'staff' | 'number_changed' | null;
}

/** A learner with their name and email, and the consent in force, if any (its number and when it was given). */
export type LearnerWithPerson = LearnerRow & { name: string; email: string; consent_phone: string | null; consent_granted_at: Date | null };

export interface LearnerProfile {
  phoneE164: string;
  timeZone: string;
  nativeLanguage: string;
  goals: string;
  selfLevel: CefrLevel | null;
}

/** A coaching organization's learners and their consent records; used inside `withTenant`. */
export function learnersRepository(trx: Tx) {
  const withPerson = () =>
    trx('learners')
      .join('users', 'users.id', 'learners.user_id')
      .leftJoin('coach_consents', (j) => j.on('coach_consents.org_id', 'learners.org_id').andOn('coach_consents.user_id', 'learners.user_id').andOnNull('coach_consents.withdrawn_at'))
      .select('learners.*', 'users.name', 'users.email', 'coach_consents.phone_e164 as consent_phone', 'coach_consents.granted_at as consent_granted_at');
  return {
    async create(orgId: string, userId: string, profile: LearnerProfile): Promise<LearnerRow> {
      const [row] = await trx<LearnerRow>('learners')
        .insert({ org_id: orgId, user_id: userId, phone_e164: profile.phoneE164, time_zone: profile.timeZone, native_language: profile.nativeLanguage, goals: profile.goals, self_level: profile.selfLevel })
        .returning('*');
      return row!;
    },

    find(userId: string): Promise<LearnerWithPerson | undefined> {
      return withPerson().where('learners.user_id', userId).first();
    },

    list(page: { cursor?: string; limit: number }): Promise<Page<LearnerWithPerson & Record<string, unknown>>> {
      return paginate(withPerson(), { column: 'learners.user_id', ...page });
    },

    async update(userId: string, patch: Partial<Pick<LearnerRow, 'phone_e164' | 'time_zone' | 'native_language' | 'goals' | 'self_level' | 'coach_voice' | 'correction_style' | 'speaking_speed'>>): Promise<void> {
      await trx('learners').where({ user_id: userId }).update({ ...patch, updated_at: trx.fn.now() });
    },

    async grantConsent(input: { orgId: string; userId: string; phoneE164: string; text: string; textVersion: string; method: ConsentRow['method']; ip?: string }): Promise<ConsentRow> {
      const [row] = await trx<ConsentRow>('coach_consents')
        .insert({ id: newId('cst'), org_id: input.orgId, user_id: input.userId, phone_e164: input.phoneE164, text: input.text, text_version: input.textVersion, method: input.method, ip: input.ip ?? null })
        .returning('*');
      return row!;
    },

    /** Withdraws every grant in force; returns how many there were. */
    withdrawConsent(userId: string, via: NonNullable<ConsentRow['withdrawn_via']>): Promise<number> {
      return trx('coach_consents').where({ user_id: userId }).whereNull('withdrawn_at').update({ withdrawn_at: trx.fn.now(), withdrawn_via: via });
    },
  };
}
