import {
  CALL_ENTITIES_CONTEXT,
  CALL_FROM_CONTEXT,
  CALL_SUMMARY_CONTEXT,
  CALL_TO_CONTEXT,
  MESSAGE_BODY_CONTEXT,
  MESSAGE_CALLBACK_CONTEXT,
  MESSAGE_CALLER_CONTEXT,
  TRANSCRIPT_CONTEXT,
} from '../platform/crypto/fieldContexts';
import { phoneIn } from '../platform/crypto/phoneNumbers';
import type { ExportContext, ExportSection } from '../platform/registration';
import { toCsv } from '../privacy/csv';

const CALL_COLUMNS = ['id', 'direction', 'from', 'to', 'status', 'outcome', 'startedAt', 'endedAt', 'durationSeconds', 'billableSeconds', 'summary'];

/** Calls with their decrypted transcripts, summaries and entities, and the messages callers left. */
export const callsExport: ExportSection = {
  scopes: ['organization', 'caller'],
  async build({ db, orgId, decrypt, phone, caller, withheld }: ExportContext) {
    const callRows: Array<Record<string, any>> = await db('calls')
      .where({ org_id: orgId })
      .modify((q) => void (caller && q.where(phoneIn(caller, 'from_e164', 'to_e164'))))
      .modify(withheld.excludingCallsOfLimitedCallers(db, orgId, 'exports'))
      .orderBy('started_at');
    const calls = [];
    for (const c of callRows) {
      const turns: Array<Record<string, any>> = await db('transcript_turns').where({ org_id: orgId, call_id: c.id }).orderBy('seq');
      calls.push({
        id: c.id,
        direction: c.direction,
        from: await phone(CALL_FROM_CONTEXT, c),
        to: await phone(CALL_TO_CONTEXT, c),
        status: c.status,
        outcome: c.outcome,
        intents: c.intents,
        startedAt: c.started_at,
        endedAt: c.ended_at,
        durationSeconds: c.duration_seconds,
        billableSeconds: c.billable_seconds,
        summary: await decrypt(CALL_SUMMARY_CONTEXT, c.summary_ciphertext),
        entities: JSON.parse((await decrypt(CALL_ENTITIES_CONTEXT, c.entities_ciphertext)) ?? 'null'),
        transcript: await Promise.all(turns.map(async (t) => ({ seq: t.seq, role: t.role, text: await decrypt(TRANSCRIPT_CONTEXT, t.text_ciphertext), at: t.created_at }))),
      });
    }
    const messageRows: Array<Record<string, any>> = await db('messages')
      .where({ org_id: orgId })
      .modify(
        (q) =>
          void (
            caller &&
            q.where((w) => w.where(phoneIn(caller, 'callback_e164')).orWhereIn('call_id', db('calls').where({ org_id: orgId }).where(phoneIn(caller, 'from_e164', 'to_e164')).select('id')))
          ),
      )
      .modify(withheld.excludingCallers('exports', ['callback_e164']))
      .modify(withheld.excludingCallsOfLimitedCallers(db, orgId, 'exports', 'call_id'))
      .orderBy('created_at');
    const messages = await Promise.all(
      messageRows.map(async (m) => ({
        id: m.id,
        callId: m.call_id,
        callerName: await decrypt(MESSAGE_CALLER_CONTEXT, m.caller_name_ciphertext),
        callbackNumber: await phone(MESSAGE_CALLBACK_CONTEXT, m),
        body: await decrypt(MESSAGE_BODY_CONTEXT, m.body_ciphertext),
        status: m.status,
        createdAt: m.created_at,
      })),
    );
    return { json: { 'calls.json': calls, 'messages.json': messages }, csv: { 'calls.csv': toCsv(CALL_COLUMNS, calls) } };
  },
};
