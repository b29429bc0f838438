import { CALL_FROM_CONTEXT, CALL_TO_CONTEXT, TRANSCRIPT_CONTEXT } from '../platform/crypto/fieldContexts';
import { sealPhone } from '../platform/crypto/phoneNumbers';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import { newId } from '../platform/db/ids';
import type { Tx } from '../platform/db/knex';

/**
 * A call another voice engine held (Vapi, for the coach), written where every call lives once it is over:
 * the calls row, its transcript encrypted line by line with the timing the engine reported, and its billable
 * seconds in the usage ledger. Keyed on the engine's call id, so writing it again changes nothing.
 */
export async function recordEngineCall(
  trx: Tx,
  fields: FieldCipher,
  call: {
    orgId: string;
    callSid: string;
    from: string;
    to: string;
    startedAt: Date;
    endedAt: Date;
    durationSeconds: number;
    completed: boolean;
    recorded: boolean;
    lines: Array<{ role: 'caller' | 'agent'; text: string; startMs?: number; endMs?: number }>;
  },
): Promise<string> {
  const existing = await trx('calls').where({ call_sid: call.callSid }).first('id');
  if (existing) return existing.id as string;
  const id = newId('call');
  const billable = call.completed ? Math.max(0, Math.round(call.durationSeconds)) : 0;
  await trx('calls').insert({
    id,
    org_id: call.orgId,
    call_sid: call.callSid,
    direction: 'outbound',
    ...(await sealPhone(fields, call.orgId, CALL_FROM_CONTEXT, call.from)),
    ...(await sealPhone(fields, call.orgId, CALL_TO_CONTEXT, call.to)),
    status: call.completed ? 'completed' : 'failed',
    outcome: call.completed ? 'info_only' : 'failed',
    recording_enabled: call.recorded,
    started_at: call.startedAt,
    ended_at: call.endedAt,
    duration_seconds: Math.round(call.durationSeconds),
    billable_seconds: billable,
  });
  const rows = await Promise.all(
    call.lines.map(async (line, seq) => ({
      org_id: call.orgId,
      call_id: id,
      seq,
      role: line.role,
      text_ciphertext: await fields.encrypt(call.orgId, TRANSCRIPT_CONTEXT, line.text),
      start_ms: line.startMs ?? null,
      end_ms: line.endMs ?? null,
    })),
  );
  if (rows.length) await trx('transcript_turns').insert(rows);
  if (billable > 0) {
    await trx('usage_records')
      .insert({ id: newId('use'), org_id: call.orgId, idempotency_key: `usage:${call.callSid}`, call_sid: call.callSid, billable_seconds: billable, occurred_at: call.endedAt })
      .onConflict('idempotency_key')
      .ignore();
  }
  return id;
}
