import { newId } from '../../platform/db/ids';
import type { Db } from '../../platform/db/knex';

/**
 * System-level call lookups for Twilio callbacks, which name a CallSid, not an organization: the CallSid
 * is globally unique, and the organization found here scopes everything after.
 */
export function callsRepository(db: Db) {
  return {
    findBySid(callSid: string): Promise<{ id: string; org_id: string } | undefined> {
      return db('calls').where({ call_sid: callSid }).first('id', 'org_id');
    },

    /** Recording metadata from Twilio's recording status callback; repeated callbacks update one row. */
    async upsertRecording(input: { orgId: string; callId: string; recordingSid: string; status: string; durationSeconds?: number; mediaUrl?: string }) {
      await db('recordings')
        .insert({
          id: newId('rec'),
          org_id: input.orgId,
          call_id: input.callId,
          recording_sid: input.recordingSid,
          status: input.status,
          duration_seconds: input.durationSeconds ?? null,
          media_url: input.mediaUrl ?? null,
        })
        .onConflict('recording_sid')
        // A late or repeated callback never brings a deleted recording back.
        .merge(['status', 'duration_seconds', 'media_url'])
        .where('recordings.deleted_at', null);
    },
  };
}
