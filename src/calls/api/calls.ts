import { z } from 'zod';
import { CALL_INTENTS } from '../agent/callAnalysis';
import type { FieldCipher } from '../../platform/crypto/fieldEncryption';
import {
  CALL_ENTITIES_CONTEXT,
  CALL_FROM_CONTEXT,
  CALL_SUMMARY_CONTEXT,
  CALL_TO_CONTEXT,
  MESSAGE_BODY_CONTEXT,
  MESSAGE_CALLBACK_CONTEXT,
  MESSAGE_CALLER_CONTEXT,
  TRANSCRIPT_CONTEXT,
} from '../../platform/crypto/fieldContexts';
import { openPhone, phoneMatch, sealPhone } from '../../platform/crypto/phoneNumbers';
import { callHistoryRepository, type CallRow, type MessageRow } from '../repositories/callHistory';
import { withTenant } from '../../platform/db/tenancy';
import { callWorkflowId, recordingDeletionWorkflowId } from '../../../workflows/calls/definitions';
import type { Config } from '../../platform/config';
import { workflowUrl, WorkflowUrl } from '../../platform/temporal/workflowLinks';
import type { recordingDeletionWorkflow } from '../../../workflows/calls/recordingDeletion';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import type { Tx } from '../../platform/db/knex';
import { hasRole } from '../../accounts/auth/roles';
import type { AuthContext } from '../../accounts/auth/context';
import { ProcessingLimits } from '../../privacy/processingLimits';
import { idOf, inDateRange, iso, pageBody, pageOf, PageQuery, PhoneNumber, Timestamp } from '../../platform/http/v1/schemas';

const OUTCOMES = ['booked', 'rescheduled', 'cancelled', 'message_taken', 'transferred', 'info_only', 'abandoned', 'failed'] as const;

const Call = z
  .object({
    id: z.string(),
    callSid: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    from: z.string(),
    to: z.string(),
    status: z.enum(['in_progress', 'completed', 'failed']),
    outcome: z.enum(OUTCOMES).nullable(),
    intents: z.array(z.string()),
    recordingEnabled: z.boolean(),
    startedAt: Timestamp,
    endedAt: Timestamp.nullable(),
    durationSeconds: z.number().int().nullable(),
    billableSeconds: z.number().int().nullable(),
    trial: z.boolean().meta({ description: "A conversation an admin held from the console's \"try it\" (never billed)" }),
    legalHold: z.boolean().meta({ description: 'Kept past retention and erasure while on (PUT /calls/{callId}/legal-hold)' }),
    workflowUrl: WorkflowUrl,
  })
  .meta({ id: 'Call' });

const Message = z
  .object({
    id: z.string(),
    callId: z.string().nullable(),
    callerName: z.string().nullable(),
    callbackNumber: z.string().nullable(),
    body: z.string(),
    status: z.enum(['new', 'notified', 'read']),
    createdAt: Timestamp,
  })
  .meta({ id: 'Message' });

const CallEntities = z
  .object({ callerName: z.string().nullable(), callbackNumber: z.string().nullable(), service: z.string().nullable(), requestedTime: z.string().nullable() })
  .meta({ id: 'CallEntities', description: 'What the caller said, extracted after the call' });

const CallDetail = Call.extend({
  summary: z.string().nullable().meta({ description: 'A short summary written after the call (null until then, or without a model)' }),
  entities: CallEntities.nullable(),
  transcript: z.array(z.object({ seq: z.number().int(), role: z.enum(['caller', 'agent', 'tool', 'system']), text: z.string(), at: Timestamp })),
  recordings: z.array(z.object({ id: z.string(), recordingSid: z.string(), status: z.string(), durationSeconds: z.number().int().nullable(), createdAt: Timestamp, deletedAt: Timestamp.nullable() })),
  messages: z.array(Message),
}).meta({ id: 'CallDetail' });

async function toCall({ fields, config }: { fields: FieldCipher; config: Config }, orgId: string, c: CallRow): Promise<z.input<typeof Call>> {
  return {
    id: c.id,
    callSid: c.call_sid,
    direction: c.direction as 'inbound' | 'outbound',
    // A call always has both numbers (calls_from_present, calls_to_present).
    from: (await openPhone(fields, orgId, CALL_FROM_CONTEXT, c))!,
    to: (await openPhone(fields, orgId, CALL_TO_CONTEXT, c))!,
    status: c.status as 'in_progress' | 'completed' | 'failed',
    outcome: c.outcome as (typeof OUTCOMES)[number] | null,
    intents: c.intents,
    recordingEnabled: c.recording_enabled,
    startedAt: iso(c.started_at)!,
    endedAt: iso(c.ended_at),
    durationSeconds: c.duration_seconds,
    billableSeconds: c.billable_seconds,
    trial: c.trial,
    legalHold: c.legal_hold,
    workflowUrl: workflowUrl(config.temporal, callWorkflowId(c.call_sid)),
  };
}

async function toMessage(fields: FieldCipher, orgId: string, m: MessageRow): Promise<z.input<typeof Message>> {
  return {
    id: m.id,
    callId: m.call_id,
    callerName: m.caller_name_ciphertext ? await fields.decrypt(orgId, MESSAGE_CALLER_CONTEXT, m.caller_name_ciphertext) : null,
    callbackNumber: await openPhone(fields, orgId, MESSAGE_CALLBACK_CONTEXT, m),
    body: await fields.decrypt(orgId, MESSAGE_BODY_CONTEXT, m.body_ciphertext),
    status: m.status as 'new' | 'notified' | 'read',
    createdAt: iso(m.created_at)!,
  };
}

const CallsQuery = inDateRange(
  PageQuery.extend({
    status: z.enum(['in_progress', 'completed', 'failed']).optional(),
    outcome: z.enum(OUTCOMES).optional(),
    number: PhoneNumber.optional().meta({ description: 'Calls from or to this number (any common format)' }),
    intent: z.enum(CALL_INTENTS).optional().meta({ description: 'Calls in which the caller had this purpose (found after the call)' }),
    from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Calls that started at or after this time' }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Calls that started before this time' }),
  }),
);

const LegalClaimQuery = z.object({
  purpose: z.enum(['legal_claim']).optional().meta({ description: "An owner reading a restricted caller's call for a legal claim says so (audited as such)" }),
});

/**
 * A caller who restricted processing (GDPR art. 18) has their calls kept but not read, except by an owner
 * for a legal claim, who says so. Returns whether this read is one.
 */
async function readableCall(trx: Tx, fields: FieldCipher, auth: AuthContext, call: CallRow, purpose: 'legal_claim' | undefined): Promise<boolean> {
  const limits = await ProcessingLimits.load(trx, fields, auth.orgId);
  if (!limits.callLimited(call, 'reads')) return false;
  if (!hasRole(auth.role, 'owner') || purpose !== 'legal_claim')
    throw new ApiError(403, 'processing_restricted', "This caller restricted the processing of their data: an owner can read the call for a legal claim (purpose=legal_claim)");
  return true;
}

export const callRoutes = [
  defineRoute({
    method: 'get',
    path: '/calls',
    operationId: 'listCalls',
    summary: 'Calls the receptionist handled, newest first (the read is audited)',
    tag: 'Calls',
    access: 'member',
    query: CallsQuery,
    response: { schema: pageOf(Call, 'CallPage'), description: 'A page of calls' },
    handle: ({ auth, deps, query, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const number = query.number ? await phoneMatch(deps.fields, auth.orgId, query.number) : undefined;
        const page = await callHistoryRepository(trx).listCalls(
          { status: query.status, outcome: query.outcome, number, intent: query.intent, from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined },
          query,
        );
        await audit(trx, req, auth, { action: 'calls.listed', targetType: 'call', metadata: { count: page.items.length } });
        return pageBody(page, (c) => toCall(deps, auth.orgId, c));
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/calls/{callId}',
    operationId: 'getCall',
    summary: 'One call with its decrypted transcript, recordings and messages (the read is audited)',
    tag: 'Calls',
    access: 'member',
    params: z.object({ callId: idOf('call') }),
    query: LegalClaimQuery,
    response: { schema: CallDetail, description: 'The call' },
    errors: [403, 404],
    handle: ({ auth, deps, params, query, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const history = callHistoryRepository(trx);
        const call = await history.findCall(params.callId);
        if (!call) throw new ApiError(404, 'not_found', 'No such call');
        const forLegalClaim = await readableCall(trx, deps.fields, auth, call, query.purpose);
        // One transaction, one connection: its queries run one after another.
        const turns = await history.transcript(call.id);
        const recordings = await history.recordings(call.id);
        const messages = await history.messagesOfCall(call.id);
        await audit(trx, req, auth, { action: forLegalClaim ? 'call.read_for_legal_claim' : 'call.read', targetType: 'call', targetId: call.id });
        return {
          ...(await toCall(deps, auth.orgId, call)),
          summary: call.summary_ciphertext ? await deps.fields.decrypt(auth.orgId, CALL_SUMMARY_CONTEXT, call.summary_ciphertext) : null,
          entities: call.entities_ciphertext ? JSON.parse(await deps.fields.decrypt(auth.orgId, CALL_ENTITIES_CONTEXT, call.entities_ciphertext)) : null,
          transcript: await Promise.all(
            turns.map(async (t) => ({ seq: t.seq, role: t.role as 'caller', text: await deps.fields.decrypt(auth.orgId, TRANSCRIPT_CONTEXT, t.text_ciphertext), at: iso(t.created_at)! })),
          ),
          recordings: recordings.map((r) => ({ id: r.id, recordingSid: r.recording_sid, status: r.status, durationSeconds: r.duration_seconds, createdAt: iso(r.created_at)!, deletedAt: iso(r.deleted_at) })),
          messages: await Promise.all(messages.map((m) => toMessage(deps.fields, auth.orgId, m))),
        };
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/calls/{callId}/recordings/{recordingId}/audio',
    operationId: 'playCallRecording',
    summary: "Listen to a call's recording: its MP3, fetched from Twilio with the account's credentials (the listening is audited)",
    tag: 'Calls',
    access: 'member',
    raw: true,
    file: { contentType: 'audio/mpeg', description: 'The recording' },
    params: z.object({ callId: idOf('call'), recordingId: idOf('rec') }),
    query: LegalClaimQuery,
    errors: [403, 404, 410, 503],
    async handle({ auth, deps, params, query, req, res }) {
      const recording = await withTenant(deps.db, auth.orgId, async (trx) => {
        const found = await trx('recordings').where({ id: params.recordingId, call_id: params.callId }).first('recording_sid', 'deleted_at');
        if (!found) throw new ApiError(404, 'not_found', 'No such recording');
        if (found.deleted_at) throw new ApiError(410, 'recording_deleted', 'This recording was deleted (retention, or on request)');
        const forLegalClaim = await readableCall(trx, deps.fields, auth, (await callHistoryRepository(trx).findCall(params.callId))!, query.purpose);
        await audit(trx, req, auth, { action: 'call.recording_played', targetType: 'call', targetId: params.callId, metadata: { recordingId: params.recordingId, ...(forLegalClaim ? { forLegalClaim } : {}) } });
        return found as { recording_sid: string };
      });
      const media = await deps.twilio.recordingAudio(recording.recording_sid).catch(() => null);
      if (!media?.ok || !media.body) {
        await media?.body?.cancel();
        if (media?.status === 404) throw new ApiError(410, 'recording_deleted', 'Twilio no longer has this recording');
        throw new ApiError(503, 'recording_unavailable', 'Twilio did not give the recording; try again shortly');
      }
      res.status(200).set({ 'Content-Type': 'audio/mpeg', 'Cache-Control': 'private, no-store' });
      if (media.headers.get('content-length')) res.set('Content-Length', media.headers.get('content-length')!);
      for await (const chunk of media.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      res.end();
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/calls/{callId}/recordings',
    operationId: 'deleteCallRecordings',
    summary: "Delete the call's recordings at Twilio (a durable workflow; each recording shows deletedAt once gone)",
    tag: 'Calls',
    access: 'admin',
    params: z.object({ callId: idOf('call') }),
    response: {
      status: 202,
      schema: z.object({ workflowId: z.string() }).meta({ id: 'RecordingDeletion' }),
      description: 'Deletion started (or already under way); the workflow retries until Twilio confirms',
    },
    errors: [404, 409],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const call = await callHistoryRepository(trx).findCall(params.callId);
        if (!call) throw new ApiError(404, 'not_found', 'No such call');
        // Twilio may still be recording, or not have told us of every recording yet.
        if (call.status === 'in_progress') throw new ApiError(409, 'call_in_progress', 'The call is still in progress: delete its recordings once it has ended');
        const workflowId = recordingDeletionWorkflowId(params.callId);
        await deps.temporal.workflow.start<typeof recordingDeletionWorkflow>('recordingDeletionWorkflow', {
          workflowId,
          taskQueue: deps.config.temporal.taskQueue,
          args: [{ orgId: auth.orgId, callId: params.callId }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [{ key: OrgId, value: auth.orgId }],
        });
        await audit(trx, req, auth, { action: 'call.recordings_deleted', targetType: 'call', targetId: params.callId });
        return { workflowId };
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/messages',
    operationId: 'listMessages',
    summary: 'Messages callers left, newest first, decrypted (the read is audited)',
    tag: 'Calls',
    access: 'member',
    query: PageQuery.extend({ status: z.enum(['new', 'notified', 'read']).optional() }),
    response: { schema: pageOf(Message, 'MessagePage'), description: 'A page of messages' },
    handle: ({ auth, deps, query, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await callHistoryRepository(trx).listMessages({ status: query.status }, query);
        await audit(trx, req, auth, { action: 'messages.listed', targetType: 'message', metadata: { count: page.items.length } });
        return pageBody(page, (m) => toMessage(deps.fields, auth.orgId, m));
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/messages/{messageId}/read',
    operationId: 'markMessageRead',
    summary: 'Mark a message as dealt with',
    tag: 'Calls',
    access: 'member',
    params: z.object({ messageId: z.string().regex(/^msg_[0-9a-z]{20,40}$/) }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        if ((await callHistoryRepository(trx).markMessageRead(params.messageId)) === 0) throw new ApiError(404, 'not_found', 'No such message');
        await audit(trx, req, auth, { action: 'message.marked_read', targetType: 'message', targetId: params.messageId });
      }),
  }),

  defineRoute({
    method: 'patch',
    path: '/messages/{messageId}',
    operationId: 'correctMessage',
    summary: "Correct a caller's name or callback number on a message (a data-subject correction; audited with the fields changed)",
    tag: 'Calls',
    access: 'admin',
    params: z.object({ messageId: z.string().regex(/^msg_[0-9a-z]{20,40}$/) }),
    body: z
      .object({ callerName: z.string().trim().min(1).max(200).nullable().optional(), callbackNumber: PhoneNumber.nullable().optional() })
      .refine((b) => b.callerName !== undefined || b.callbackNumber !== undefined, { message: 'give callerName or callbackNumber' }),
    response: { schema: Message, description: 'The corrected message' },
    errors: [404],
    handle: ({ auth, body, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const changes: Record<string, unknown> = {};
        if (body.callerName !== undefined) changes.caller_name_ciphertext = body.callerName === null ? null : await deps.fields.encrypt(auth.orgId, MESSAGE_CALLER_CONTEXT, body.callerName);
        if (body.callbackNumber !== undefined) Object.assign(changes, await sealPhone(deps.fields, auth.orgId, MESSAGE_CALLBACK_CONTEXT, body.callbackNumber));
        const [row] = await trx('messages').where({ id: params.messageId }).update(changes).returning('*');
        if (!row) throw new ApiError(404, 'not_found', 'No such message');
        // Which fields changed, never their values (the audit log outlives the data).
        await audit(trx, req, auth, { action: 'message.corrected', targetType: 'message', targetId: params.messageId, metadata: { fields: Object.keys(body) } });
        return toMessage(deps.fields, auth.orgId, row);
      }),
  }),
];
