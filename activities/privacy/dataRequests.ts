import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { TokenSigner } from '../../src/accounts/auth/tokens';
import type { Config } from '../../src/platform/config';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { APPOINTMENT_PHONE_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { phoneIn, phoneMatch, sealPhone } from '../../src/platform/crypto/phoneNumbers';
import type { Db } from '../../src/platform/db/knex';
import { auditLogRepository } from '../../src/accounts/repositories/auditLog';
import type { Notifier } from '../../src/notifications/notifier';
import { buildArchive, type ExportScope } from '../../src/privacy/archive';
import type { ExportSection } from '../../src/platform/registration';
import type { TwilioProvider } from '../../src/platform/providers/twilio';

export const EXPORT_CONTEXT = 'data_requests.archive';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Where a ready export is downloaded: single use, until it expires. */
export const exportDownloadPath = (requestId: string, token: string) => `/api/v1/exports/${requestId}/download?token=${token}`;

/**
 * Data-subject requests: building an export (stored encrypted, served once) and erasing a caller. Each
 * step is safe to repeat: the archive is rebuilt the same, the link's token is derived from the request,
 * the notice has one cause, and an erasure finds nothing left the second time.
 */
export function createDataRequestActivities(deps: {
  db: Db;
  config: Config;
  fields: FieldCipher;
  tokens: TokenSigner;
  notifier: Notifier;
  twilio: TwilioProvider;
  /** Every domain's part of an export. */
  exportSections: readonly ExportSection[];
}) {
  const { db } = deps;
  const requestOf = (id: string) => db('data_requests').where({ id }).first();

  return {
    /** Builds the archive, stores it encrypted with the organization's key, and sends the requester the link. */
    async buildExport(input: { requestId: string; linkTtlMs: number }): Promise<{ expiresAt: string; counts: Record<string, number> }> {
      const request = await requestOf(input.requestId);
      const scope: ExportScope =
        request.scope === 'organization' ? { scope: 'organization' } : request.scope === 'user' ? { scope: 'user', userId: request.subject } : { scope: 'caller', e164: request.subject };
      const { zip, counts } = await buildArchive(deps.exportSections, db, deps.fields, request.org_id, scope);
      Context.current().heartbeat();
      const archive = await deps.fields.encrypt(request.org_id, EXPORT_CONTEXT, Buffer.from(zip).toString('base64'));
      const token = deps.tokens.exportToken(request.id);
      const expiresAt = new Date(Math.max(Date.now(), new Date(request.created_at).getTime()) + input.linkTtlMs).toISOString();
      const written = await db.transaction(async (trx) => {
        const updated = await trx('data_requests')
          .where({ id: request.id, status: 'pending' })
          .update({ status: 'ready', archive_ciphertext: archive, archive_bytes: zip.byteLength, token_hash: sha256(token), expires_at: expiresAt, result: JSON.stringify(counts) });
        if (updated === 0 || !request.requested_by) return [];
        const downloadUrl = `${deps.config.http.publicBaseUrl}${exportDownloadPath(request.id, token)}`;
        return deps.notifier.write({ kind: 'privacy.export_ready', orgId: request.org_id, payload: { downloadUrl, expiresAt }, to: { userIds: [request.requested_by] }, cause: `export-ready:${request.id}` }, trx);
      });
      await deps.notifier.start(written);
      const current = await requestOf(input.requestId);
      return { expiresAt: new Date(current.expires_at).toISOString(), counts };
    },

    /** The link's time is up: the archive is dropped (a downloaded one already was). */
    async expireExport(input: { requestId: string }): Promise<'expired' | 'downloaded'> {
      await db('data_requests').where({ id: input.requestId, status: 'ready' }).update({ status: 'expired', archive_ciphertext: null });
      return (await requestOf(input.requestId)).status === 'downloaded' ? 'downloaded' : 'expired';
    },

    /**
     * Erases everything the organization holds about one caller's number: their calls (recordings at
     * Twilio first; transcripts and messages with them), messages left for a callback to that number, the
     * name and number on their appointments (the bookings stay, anonymous), and deliveries to the number.
     * Calls under legal hold stay and are counted. Their STOP, if any, is kept: it must go on being honoured.
     * When done, only a hash of the number remains on the request.
     */
    async eraseCaller(input: { requestId: string }): Promise<Record<string, number>> {
      const request = await requestOf(input.requestId);
      if (request.status === 'completed') return request.result;
      const orgId: string = request.org_id;
      const e164: string = request.subject;
      const caller = await phoneMatch(deps.fields, orgId, e164);
      const callsOf = () => db('calls').where({ org_id: orgId }).where(phoneIn(caller, 'from_e164', 'to_e164'));
      const recordings: Array<{ id: string; recording_sid: string }> = await db('recordings')
        .where({ org_id: orgId })
        .whereNull('deleted_at')
        .whereIn('call_id', callsOf().where({ legal_hold: false }).select('id'))
        .select('id', 'recording_sid');
      for (const recording of recordings) {
        await deps.twilio.deleteRecording(recording.recording_sid);
        await db('recordings').where({ id: recording.id }).update({ status: 'deleted', media_url: null, deleted_at: db.fn.now() });
        Context.current().heartbeat();
      }
      return db.transaction(async (trx) => {
        const doomed = trx('calls').where({ org_id: orgId, legal_hold: false }).where(phoneIn(caller, 'from_e164', 'to_e164')).select('id');
        const counts: Record<string, number> = { recordingsDeletedAtTwilio: recordings.length };
        await trx('appointments').where({ org_id: orgId }).whereIn('call_id', doomed.clone()).update({ call_id: null });
        counts.messages = await trx('messages').where({ org_id: orgId }).where((q) => q.whereIn('call_id', doomed.clone()).orWhere(phoneIn(caller, 'callback_e164'))).del();
        counts.calls = await trx('calls').where({ org_id: orgId }).whereIn('id', doomed).del();
        const noNumber = await sealPhone(deps.fields, orgId, APPOINTMENT_PHONE_CONTEXT, null);
        counts.appointmentsAnonymised = await trx('appointments').where({ org_id: orgId }).where(phoneIn(caller, 'customer_e164')).update({ ...noNumber, customer_name_ciphertext: null, updated_at: trx.fn.now() });
        counts.notifications = await trx('notifications').where({ org_id: orgId, recipient: e164 }).del();
        counts.heldCalls = Number((await trx('calls').where({ org_id: orgId, legal_hold: true }).where(phoneIn(caller, 'from_e164', 'to_e164')).count<{ n: string }[]>({ n: '*' }))[0]!.n);
        // The caller's restrictions and objections hold their number too; calls kept under a hold keep theirs.
        counts.processingLimits = counts.heldCalls > 0 ? 0 : await trx('processing_limits').where({ org_id: orgId, caller_index: caller.index }).del();
        await trx('data_requests').where({ id: request.id }).update({ status: 'completed', subject: null, result: JSON.stringify(counts), completed_at: trx.fn.now() });
        await auditLogRepository(trx).record({ orgId, actorType: 'system', actorId: null, action: 'privacy.caller_erased', targetType: 'data_request', targetId: request.id, metadata: counts });
        return counts;
      });
    },

    /** A request whose workflow gave up is marked, so the admin sees it failed. */
    async failDataRequest(input: { requestId: string; reason: string }): Promise<void> {
      await db('data_requests').where({ id: input.requestId }).whereIn('status', ['pending']).update({ status: 'failed', result: JSON.stringify({ reason: input.reason }) });
    },
  };
}

export type DataRequestActivities = ReturnType<typeof createDataRequestActivities>;
