import { CALL_FROM_CONTEXT, CALL_TO_CONTEXT, MESSAGE_CALLBACK_CONTEXT } from '../platform/crypto/fieldContexts';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import { sealPhone } from '../platform/crypto/phoneNumbers';
import type { Db } from '../platform/db/knex';

const CALLER = '+14155550111';

/**
 * Call history for the retention sweep to chew on, written by PostgreSQL itself (generate_series) so a
 * hundred thousand calls take seconds: `count` calls `ageDays` old, each with `turnsPerCall` transcript
 * turns and one message per ten calls. The content is placeholder bytes: the sweep never decrypts it. The
 * numbers are stored as the product stores them, sealed once and repeated (one caller calling a lot).
 */
export async function seedCalls({ db, fields }: { db: Db; fields: FieldCipher }, orgId: string, options: { count: number; ageDays: number; turnsPerCall?: number; tag?: string }): Promise<void> {
  const tag = options.tag ?? Math.random().toString(36).slice(2, 10);
  const from = await sealPhone(fields, orgId, CALL_FROM_CONTEXT, CALLER);
  const to = await sealPhone(fields, orgId, CALL_TO_CONTEXT, '+14155550100');
  const callback = await sealPhone(fields, orgId, MESSAGE_CALLBACK_CONTEXT, CALLER);
  await db.transaction(async (trx) => {
    await trx.raw(
      `insert into calls (id, org_id, call_sid, direction, from_e164_ciphertext, from_e164_index, to_e164_ciphertext, to_e164_index, status, outcome, started_at, ended_at, duration_seconds, billable_seconds)
       select 'call_' || substr(md5(:tag || g), 1, 26), :orgId, 'CA' || md5(:tag || g), 'inbound', :fromCiphertext, :fromIndex, :toCiphertext, :toIndex, 'completed', 'info_only',
              now() - make_interval(days => :ageDays) - make_interval(secs => g), now() - make_interval(days => :ageDays) - make_interval(secs => g) + interval '2 minutes', 120, 120
       from generate_series(1, :count) g`,
      {
        tag,
        orgId,
        ageDays: options.ageDays,
        count: options.count,
        fromCiphertext: from.from_e164_ciphertext!,
        fromIndex: from.from_e164_index!,
        toCiphertext: to.to_e164_ciphertext!,
        toIndex: to.to_e164_index!,
      },
    );
    // Each transcript turn's foreign-key check runs a plan this connection may have made while calls was
    // nearly empty (earlier in the bench): a sequential scan, per row, over what are now 100,000s of calls.
    // ANALYZE invalidates it, so the check is planned again on the real size (an index lookup).
    await trx.raw('analyze calls');
    await trx.raw(
      `insert into transcript_turns (org_id, call_id, seq, role, text_ciphertext)
       select :orgId, 'call_' || substr(md5(:tag || g), 1, 26), s, case when s % 2 = 1 then 'caller' else 'agent' end, '\\x00'::bytea
       from generate_series(1, :count) g, generate_series(1, :turns) s`,
      { tag, orgId, count: options.count, turns: options.turnsPerCall ?? 6 },
    );
    await trx.raw(
      `insert into messages (id, org_id, call_id, body_ciphertext, callback_e164_ciphertext, callback_e164_index, created_at)
       select 'msg_' || substr(md5('m' || :tag || g), 1, 26), :orgId, 'call_' || substr(md5(:tag || g), 1, 26), '\\x00'::bytea, :callbackCiphertext, :callbackIndex, now() - make_interval(days => :ageDays)
       from generate_series(10, :count, 10) g`,
      { tag, orgId, count: options.count, ageDays: options.ageDays, callbackCiphertext: callback.callback_e164_ciphertext!, callbackIndex: callback.callback_e164_index! },
    );
  });
}
