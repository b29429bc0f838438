import { createHash } from 'node:crypto';
import { auditLogRepository } from '../accounts/repositories/auditLog';
import type { Db, Tx } from '../platform/db/knex';
import { withTenant } from '../platform/db/tenancy';
import { learnersRepository } from './repositories/learners';

/**
 * The words a learner agrees to before any call is placed: who will call, which number, that the voice is
 * automated (the FCC treats AI voices as artificial: prior express consent is needed), and how to withdraw.
 * Its version is a hash of the exact text, so a sign-up proves which words it showed.
 */
export function consentText(organizationName: string): { text: string; version: string } {
  const text =
    `I agree that ${organizationName} may call me at the phone number I gave, with an automated AI voice coach, ` +
    'for the English practice calls I schedule. Agreeing is not a condition of any purchase. I can withdraw at ' +
    `any time: by saying "stop calling me" on a call, by texting STOP to ${organizationName}'s number, or in my account.`;
  return { text, version: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

/**
 * A learner's consent withdrawn, by whatever means: every grant in force ends, every plan is paused with the
 * reason, and the audit log says how. Revoked by a means other than their account (texting STOP, saying
 * "stop calling me", staff on their request), the number also goes on the organization's do-not-call list,
 * which only the learner agreeing again clears. Returns the paused plans, whose schedules the caller pauses
 * once this has committed (a run that starts meanwhile finds no consent and is refused).
 */
export async function pauseLearnerPlans(trx: Tx, input: { orgId: string; userId: string; e164: string; via: 'api' | 'sms' | 'call' | 'staff'; actorId?: string | null; requestId?: string }): Promise<string[]> {
  const withdrawn = await learnersRepository(trx).withdrawConsent(input.userId, input.via);
  if (input.via !== 'api') await trx('coach_opt_outs').insert({ org_id: input.orgId, phone_e164: input.e164, via: input.via }).onConflict(['org_id', 'phone_e164']).ignore();
  const paused: string[] = await trx('coach_plans')
    .where({ user_id: input.userId, status: 'active' })
    .update({ status: 'paused', paused_reason: 'consent_withdrawn', updated_at: trx.fn.now() })
    .returning('id')
    .then((rows: Array<{ id: string }>) => rows.map((r) => r.id));
  if (withdrawn > 0 || paused.length > 0) {
    await auditLogRepository(trx).record({
      orgId: input.orgId,
      actorType: input.via === 'sms' ? 'webhook' : input.via === 'call' ? 'system' : 'user',
      actorId: input.actorId ?? null,
      action: 'coaching.consent_withdrawn',
      targetType: 'user',
      targetId: input.userId,
      metadata: { via: input.via, plansPaused: paused },
      requestId: input.requestId,
    });
  }
  return paused;
}

/**
 * A learner revoked consent by texting STOP to the organization's number: every learner with that number
 * there is covered. Returns the plans paused (their schedules are paused after the commit).
 */
export async function withdrawConsentOfNumber(db: Db, input: { orgId: string; e164: string; via: 'sms' | 'call'; requestId?: string }): Promise<string[]> {
  return withTenant(db, input.orgId, async (trx) => {
    const learners: string[] = await trx('learners').where({ phone_e164: input.e164 }).pluck('user_id');
    const paused: string[] = [];
    for (const userId of learners) paused.push(...(await pauseLearnerPlans(trx, { orgId: input.orgId, userId, e164: input.e164, via: input.via, requestId: input.requestId })));
    return paused;
  });
}
