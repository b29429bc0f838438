import { strToU8, zipSync } from 'fflate';
import {
  APPOINTMENT_CUSTOMER_CONTEXT,
  CALL_ENTITIES_CONTEXT,
  CALL_SUMMARY_CONTEXT,
  MESSAGE_BODY_CONTEXT,
  MESSAGE_CALLER_CONTEXT,
  TRANSCRIPT_CONTEXT,
} from '../platform/crypto/fieldContexts';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import type { Db } from '../platform/db/knex';
import { toCsv } from './csv';

export type ExportScope = { scope: 'organization' } | { scope: 'user'; userId: string } | { scope: 'caller'; e164: string };

const CALL_COLUMNS = ['id', 'direction', 'from', 'to', 'status', 'outcome', 'startedAt', 'endedAt', 'durationSeconds', 'billableSeconds', 'summary'];
const APPOINTMENT_COLUMNS = ['id', 'service', 'customerName', 'customerPhone', 'startsAt', 'endsAt', 'status', 'callId'];

/**
 * A portable export: one JSON file per kind of data, and CSV for calls and appointments, zipped. Encrypted
 * fields are decrypted (transcripts, summaries, entities, messages, customer names). What goes in follows
 * the scope: the whole organization, one person's own data in it, or everything about one caller's number.
 * Returns the archive and how many records of each kind it holds.
 */
export async function buildArchive(db: Db, fields: FieldCipher, orgId: string, scope: ExportScope): Promise<{ zip: Uint8Array; counts: Record<string, number> }> {
  const decrypt = (context: string, value: Buffer | null) => (value ? fields.decrypt(orgId, context, value) : Promise.resolve(null));
  const files: Record<string, unknown> = {};
  const csv: Record<string, string> = {};

  async function calls(filter: (q: ReturnType<Db>) => void) {
    const rows: Array<Record<string, any>> = await db('calls').where({ org_id: orgId }).modify(filter).orderBy('started_at');
    const out = [];
    for (const c of rows) {
      const turns: Array<Record<string, any>> = await db('transcript_turns').where({ org_id: orgId, call_id: c.id }).orderBy('seq');
      out.push({
        id: c.id,
        direction: c.direction,
        from: c.from_e164,
        to: c.to_e164,
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
    files['calls.json'] = out;
    csv['calls.csv'] = toCsv(CALL_COLUMNS, out);
  }

  async function messages(filter: (q: ReturnType<Db>) => void) {
    const rows: Array<Record<string, any>> = await db('messages').where({ org_id: orgId }).modify(filter).orderBy('created_at');
    files['messages.json'] = await Promise.all(
      rows.map(async (m) => ({
        id: m.id,
        callId: m.call_id,
        callerName: await decrypt(MESSAGE_CALLER_CONTEXT, m.caller_name_ciphertext),
        callbackNumber: m.callback_e164,
        body: await decrypt(MESSAGE_BODY_CONTEXT, m.body_ciphertext),
        status: m.status,
        createdAt: m.created_at,
      })),
    );
  }

  async function appointments(filter: (q: ReturnType<Db>) => void) {
    const rows: Array<Record<string, any>> = await db('appointments as a').join('services as s', 's.id', 'a.service_id').where('a.org_id', orgId).modify(filter).orderBy('a.starts_at').select('a.*', 's.name as service');
    const out = await Promise.all(
      rows.map(async (a) => ({
        id: a.id,
        service: a.service,
        customerName: await decrypt(APPOINTMENT_CUSTOMER_CONTEXT, a.customer_name_ciphertext),
        customerPhone: a.customer_e164,
        startsAt: a.starts_at,
        endsAt: a.ends_at,
        status: a.status,
        callId: a.call_id,
      })),
    );
    files['appointments.json'] = out;
    csv['appointments.csv'] = toCsv(APPOINTMENT_COLUMNS, out);
  }

  if (scope.scope === 'organization') {
    const { stripe_customer_id: _c, stripe_subscription_id: _s, ...organization } = await db('organizations').where({ id: orgId }).first();
    files['organization.json'] = organization;
    files['members.json'] = await db('memberships as m').join('users as u', 'u.id', 'm.user_id').where('m.org_id', orgId).select('u.id', 'u.email', 'u.name', 'm.role', 'm.created_at as joinedAt');
    files['phone_numbers.json'] = await db('phone_numbers').where({ org_id: orgId }).select('id', 'e164', 'created_at');
    files['services.json'] = await db('services').where({ org_id: orgId }).select('id', 'name', 'duration_minutes', 'price_note', 'active');
    await calls(() => undefined);
    await messages(() => undefined);
    await appointments(() => undefined);
    files['billing_records.json'] = await db('billing_records').where({ org_id: orgId }).orderBy('period_start');
    files['usage_records.json'] = await db('usage_records').where({ org_id: orgId }).orderBy('created_at').select('call_sid', 'billable_seconds', 'occurred_at', 'reported_at');
    files['balance_ledger.json'] = await db('balance_ledger').where({ org_id: orgId }).orderBy('id').select('kind', 'amount_minor', 'currency', 'created_at');
    files['audit_log.json'] = await db('audit_log').where({ org_id: orgId }).orderBy('id').select('created_at', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'metadata');
  } else if (scope.scope === 'user') {
    files['profile.json'] = await db('users').where({ id: scope.userId }).first('id', 'email', 'name', 'phone_e164', 'created_at');
    files['memberships.json'] = await db('memberships as m').join('organizations as o', 'o.id', 'm.org_id').where('m.user_id', scope.userId).select('o.name as organization', 'm.role', 'm.created_at as joinedAt');
    files['sessions.json'] = await db('sessions').where({ user_id: scope.userId, org_id: orgId }).orderBy('created_at').select('method', 'ip', 'user_agent', 'created_at', 'last_seen_at', 'revoked_at');
    files['notification_preferences.json'] = await db('notification_preferences').where({ user_id: scope.userId }).select('kind', 'email', 'sms');
    files['notifications.json'] = await db('notifications').where({ org_id: orgId, user_id: scope.userId }).orderBy('created_at').select('kind', 'channel', 'recipient', 'status', 'created_at', 'sent_at');
    files['audit_log.json'] = await db('audit_log').where({ org_id: orgId, actor_type: 'user', actor_id: scope.userId }).orderBy('id').select('created_at', 'action', 'target_type', 'target_id', 'ip');
  } else {
    const { e164 } = scope;
    await calls((q) => void q.where((w) => w.where('from_e164', e164).orWhere('to_e164', e164)));
    await messages((q) => void q.where((w) => w.where('callback_e164', e164).orWhereIn('call_id', db('calls').where({ org_id: orgId }).where((c) => c.where('from_e164', e164).orWhere('to_e164', e164)).select('id'))));
    await appointments((q) => void q.where('a.customer_e164', e164));
  }

  const counts = Object.fromEntries(Object.entries(files).map(([name, value]) => [name.replace(/\.json$/, ''), Array.isArray(value) ? value.length : value ? 1 : 0]));
  const entries: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(files)) entries[name] = strToU8(JSON.stringify(value, null, 2));
  for (const [name, value] of Object.entries(csv)) entries[name] = strToU8(value);
  return { zip: zipSync(entries, { level: 6 }), counts };
}
