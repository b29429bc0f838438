import type { Tx } from '../platform/db/knex';
import { auditLogRepository } from '../accounts/repositories/auditLog';

/**
 * What a correction of a learner's profile means at each processor that received the field (KVKK art.
 * 11/1-f, GDPR art. 19): none of them keeps a learner profile to edit. Each gets the corrected value with
 * the next call or analysis; what they hold from before is the record of a past call, which the voice
 * engine erases with the call's data (30 days at most). Each correction is recorded per processor with
 * that outcome, and the learner's information request lists them.
 */
const HELD_BY: Record<string, Array<{ processor: string; outcome: string }>> = {
  phone: [
    { processor: 'Vapi', outcome: 'next calls go to the corrected number; past call records keep the number that was called and are erased with their data within 30 days' },
    { processor: 'Twilio', outcome: 'next calls go to the corrected number; past call logs keep the number that was called' },
  ],
  nativeLanguage: [{ processor: 'Anthropic', outcome: 'sent with each analysis and kept by no profile there; the next analysis uses the corrected value' }],
  level: [{ processor: 'Anthropic', outcome: 'sent with each analysis and kept by no profile there; the next analysis uses the corrected value' }],
};

/** Records, per processor that received a corrected field, what the correction means there. */
export async function recordCorrectionsAtProcessors(trx: Tx, orgId: string, userId: string, changed: string[]): Promise<number> {
  let recorded = 0;
  for (const field of changed) {
    for (const { processor, outcome } of HELD_BY[field] ?? []) {
      await auditLogRepository(trx).record({ orgId, actorType: 'system', actorId: null, action: 'coaching.processor_correction', targetType: 'user', targetId: userId, metadata: { processor, field, outcome } });
      recorded++;
    }
  }
  return recorded;
}
