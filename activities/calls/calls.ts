import { log } from '@temporalio/activity';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { newId } from '../../src/platform/db/ids';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { TwilioProvider } from '../../src/platform/providers/twilio';
import type { CallOutcome, CallStart, CallStatusEvent } from '../../workflows/calls/definitions';
import { MESSAGE_BODY_CONTEXT, MESSAGE_CALLBACK_CONTEXT, MESSAGE_CALLER_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { sealPhone } from '../../src/platform/crypto/phoneNumbers';
import { recordCallStarted } from '../../src/calls/repositories/calls';
import { storeTranscriptLines, type TranscriptLines } from './transcriptRows';
import type { Notifier } from '../../src/notifications/notifier';

/** Every write is keyed so a retried or replayed activity changes nothing twice. */
export function createCallActivities(deps: { db: Db; fields: FieldCipher; twilio: TwilioProvider; notifier: Pick<Notifier, 'notify'> }) {
  const { db, fields } = deps;
  return {
    async recordCallStarted(start: CallStart): Promise<void> {
      await recordCallStarted(deps, start);
    },

    async appendTranscript(input: TranscriptLines): Promise<void> {
      await storeTranscriptLines(deps, input);
    },

    async saveMessage(input: { orgId: string; callId: string; messageId: string; callerName: string; callbackE164?: string; body: string }): Promise<void> {
      const row = {
        id: input.messageId,
        org_id: input.orgId,
        call_id: input.callId,
        caller_name_ciphertext: await fields.encrypt(input.orgId, MESSAGE_CALLER_CONTEXT, input.callerName),
        ...(await sealPhone(fields, input.orgId, MESSAGE_CALLBACK_CONTEXT, input.callbackE164 ?? null)),
        body_ciphertext: await fields.encrypt(input.orgId, MESSAGE_BODY_CONTEXT, input.body),
      };
      await withTenant(db, input.orgId, (trx) => trx('messages').insert(row).onConflict('id').ignore());
    },

    /**
     * Sends the message to the organization's notification addresses (email and text; the transfer number
     * when it set no number). The notification's key is the message: a retry or replay sends nothing twice.
     */
    async notifyBusinessOfMessage(input: { orgId: string; messageId: string; viaFallback: boolean }): Promise<'sent' | 'already' | 'no-contact'> {
      const message = await withTenant(db, input.orgId, (trx) => trx('messages').where({ id: input.messageId }).first('status'));
      if (!message) throw new Error(`message ${input.messageId} not found`);
      if (message.status !== 'new') return 'already';
      const ids = await deps.notifier.notify({
        kind: 'calls.message_taken',
        orgId: input.orgId,
        payload: { messageId: input.messageId, viaFallback: input.viaFallback },
        to: 'org_addresses',
        cause: `message-taken:${input.messageId}`,
      });
      if (ids.length === 0) {
        log.warn('no notification address for the message', { orgId: input.orgId, messageId: input.messageId });
        return 'no-contact';
      }
      await withTenant(db, input.orgId, (trx) =>
        trx('messages').where({ id: input.messageId, status: 'new' }).update({ status: 'notified', notified_at: trx.fn.now() }),
      );
      return 'sent';
    },

    /**
     * Deletes a call's recordings at Twilio, then marks each row deleted (media URL dropped, metadata kept
     * for the record). Rows already marked are skipped, so running it again does nothing more.
     */
    async deleteCallRecordings(input: { orgId: string; callId: string }): Promise<{ deleted: number }> {
      const pending: Array<{ id: string; recording_sid: string }> = await withTenant(db, input.orgId, (trx) =>
        trx('recordings').where({ call_id: input.callId }).whereNull('deleted_at').select('id', 'recording_sid'),
      );
      for (const recording of pending) {
        await deps.twilio.deleteRecording(recording.recording_sid);
        await withTenant(db, input.orgId, (trx) =>
          trx('recordings').where({ id: recording.id }).whereNull('deleted_at').update({ status: 'deleted', media_url: null, deleted_at: trx.fn.now() }),
        );
      }
      return { deleted: pending.length };
    },

    async fetchCallStatus(input: { callSid: string }): Promise<CallStatusEvent> {
      const call = await deps.twilio.fetchCall(input.callSid);
      return { status: call.status, durationSeconds: call.durationSeconds };
    },

    /** Closes the call row and records its billable seconds once, keyed usage:<CallSid>. */
    async finalizeCall(input: { orgId: string; callId: string; callSid: string; status: string; durationSeconds: number; outcome: CallOutcome }): Promise<void> {
      await withTenant(db, input.orgId, async (trx) => {
        // A trial from the console is not billed.
        const trial = (await trx('calls').where({ id: input.callId }).first('trial'))?.trial === true;
        const billable = input.status === 'completed' && !trial ? Math.max(0, Math.round(input.durationSeconds)) : 0;
        await trx('calls')
          .where({ id: input.callId })
          .update({
            status: input.status === 'completed' ? 'completed' : 'failed',
            outcome: input.outcome,
            ended_at: trx.raw('coalesce(ended_at, now())'),
            duration_seconds: Math.round(input.durationSeconds),
            billable_seconds: billable,
            updated_at: trx.fn.now(),
          });
        if (billable > 0) {
          await trx('usage_records')
            .insert({
              id: newId('use'),
              org_id: input.orgId,
              idempotency_key: `usage:${input.callSid}`,
              call_sid: input.callSid,
              billable_seconds: billable,
              occurred_at: trx.fn.now(),
            })
            .onConflict('idempotency_key')
            .ignore();
        }
      });
    },
  };
}

export type CallActivities = ReturnType<typeof createCallActivities>;
