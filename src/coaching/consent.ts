import { createHash } from 'node:crypto';
import { auditLogRepository } from '../accounts/repositories/auditLog';
import type { Db } from '../platform/db/knex';
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
 * A learner revoked consent by a reasonable means other than their account (texting STOP to the
 * organization's number, or later saying "stop calling me" on a call): every grant for that number in that
 * organization is withdrawn at once, and the audit log says how. Returns how many learners it covered.
 */
export async function withdrawConsentOfNumber(db: Db, input: { orgId: string; e164: string; via: 'sms' | 'call'; requestId?: string }): Promise<number> {
  return withTenant(db, input.orgId, async (trx) => {
    const learners: string[] = await trx('learners').where({ phone_e164: input.e164 }).pluck('user_id');
    const repo = learnersRepository(trx);
    let withdrawn = 0;
    for (const userId of learners) {
      if ((await repo.withdrawConsent(userId, input.via)) === 0) continue;
      withdrawn += 1;
      await auditLogRepository(trx).record({ orgId: input.orgId, actorType: input.via === 'sms' ? 'webhook' : 'system', actorId: null, action: 'coaching.consent_withdrawn', targetType: 'user', targetId: userId, metadata: { via: input.via }, requestId: input.requestId });
    }
    return withdrawn;
  });
}
