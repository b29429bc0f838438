import type { CallStart } from '../../../workflows/calls/definitions';
import { CALL_FROM_CONTEXT, CALL_TO_CONTEXT } from '../../platform/crypto/fieldContexts';
import type { FieldCipher } from '../../platform/crypto/fieldEncryption';
import { sealPhone } from '../../platform/crypto/phoneNumbers';
import { newId } from '../../platform/db/ids';
import type { Db } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';

/**
 * The call's row, written once per CallSid however often it is asked (a retried webhook, the call
 * workflow's own `recordCallStarted`): returns the id of the row that exists, which may be an earlier
 * attempt's rather than `start.callId`.
 */
export async function recordCallStarted(deps: { db: Db; fields: FieldCipher }, start: CallStart): Promise<string> {
  // Sealed before the transaction (in memory once the organization's keys are cached).
  const [from, to] = await Promise.all([sealPhone(deps.fields, start.orgId, CALL_FROM_CONTEXT, start.from), sealPhone(deps.fields, start.orgId, CALL_TO_CONTEXT, start.to)]);
  return withTenant(deps.db, start.orgId, async (trx) => {
    const [inserted] = await trx('calls')
      .insert({
        id: start.callId,
        org_id: start.orgId,
        call_sid: start.callSid,
        direction: start.direction,
        phone_number_id: start.phoneNumberId ?? null,
        ...from,
        ...to,
        recording_enabled: start.recording.enabled,
        started_at: new Date(),
        // A conversation from the console's "try it" panel, registered before it rang.
        trial: trx.raw('exists (select 1 from trial_calls where call_sid = ?)', [start.callSid]),
      })
      .onConflict('call_sid')
      .ignore()
      .returning('id');
    if (inserted) return inserted.id as string;
    const existing = await trx('calls').where({ call_sid: start.callSid }).first('id');
    if (!existing) throw new Error(`call ${start.callSid} is another organization's`);
    return existing.id as string;
  });
}

/**
 * System-level call lookups for Twilio callbacks, which name a CallSid, not an organization: the CallSid
 * is globally unique, and the organization found here scopes everything after.
 */
export function callsRepository(db: Db) {
  return {
    findBySid(callSid: string): Promise<{ id: string; org_id: string } | undefined> {
      return db('calls').where({ call_sid: callSid }).first('id', 'org_id');
    },

    /**
     * A call whose row the incoming webhook wrote but whose workflow never started (Temporal unreachable
     * through every attempt: the caller heard an apology) is closed by its final status callback: failed,
     * nothing billed. A call with a workflow is never touched here (its row is no longer `in_progress`
     * once the workflow is gone). True if such a row was closed.
     */
    async closeUnstarted(callSid: string, durationSeconds: number | undefined): Promise<boolean> {
      const closed = await db('calls')
        .where({ call_sid: callSid, status: 'in_progress' })
        .update({ status: 'failed', outcome: 'failed', ended_at: db.raw('coalesce(ended_at, now())'), duration_seconds: Math.round(durationSeconds ?? 0), billable_seconds: 0, updated_at: db.fn.now() });
      return closed > 0;
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
