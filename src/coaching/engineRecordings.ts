import type { Config } from '../platform/config';
import type { Db } from '../platform/db/knex';
import { auditLogRepository } from '../accounts/repositories/auditLog';
import { createVapiClient, type VapiClient } from './engines/vapiClient';

/** The platform's Vapi client, if it has a Vapi account (VAPI_API_KEY). */
export const vapiClientOf = (config: Pick<Config, 'vapi'>): VapiClient | undefined => (config.vapi ? createVapiClient({ apiKey: config.vapi.apiKey, baseUrl: config.vapi.baseUrl }) : undefined);

/**
 * Deletes the recordings Vapi keeps of an organization's practice calls (`DELETE /call/:id`, which erases
 * the call's data there), those of calls ended before `before` (or of one learner, or all of them); each is marked once Vapi
 * has confirmed (a call already gone counts). Without a Vapi client while such recordings exist, it fails:
 * a promise to delete must not pass silently. Returns how many were deleted.
 */
export async function deleteEngineRecordings(deps: { db: Db; vapi?: VapiClient }, orgId: string, options: { before?: Date; userId?: string; onEach?: () => void } = {}): Promise<number> {
  let deleted = 0;
  for (;;) {
    const due: Array<{ id: string; recording_ref: string; user_id: string }> = await deps
      .db('practice_calls')
      .where({ org_id: orgId, engine: 'vapi' })
      .whereNotNull('recording_ref')
      .whereNull('recording_deleted_at')
      .modify((q) => void (options.before && q.where('ended_at', '<', options.before)))
      .modify((q) => void (options.userId && q.where({ user_id: options.userId })))
      .orderBy('ended_at')
      .limit(100)
      .select('id', 'recording_ref', 'user_id');
    if (due.length === 0) return deleted;
    if (!deps.vapi) throw new Error(`${due.length} practice call recording(s) at Vapi are due for deletion, but VAPI_API_KEY is not set`);
    for (const call of due) {
      const outcome = await deps.vapi.deleteCall(call.recording_ref);
      // Marked and recorded together: the learner's record of what each processor was asked to erase, and when.
      await deps.db.transaction(async (trx) => {
        await trx('practice_calls').where({ id: call.id }).update({ recording_deleted_at: trx.fn.now() });
        await auditLogRepository(trx).record({ orgId, actorType: 'system', actorId: null, action: 'coaching.processor_erasure', targetType: 'user', targetId: call.user_id, metadata: { processor: 'Vapi', practiceCallId: call.id, vapiCallId: call.recording_ref, outcome } });
      });
      deleted++;
      options.onEach?.();
    }
  }
}
