import type { Db } from '../platform/db/knex';

/**
 * Call history for the retention sweep to chew on, written by PostgreSQL itself (generate_series) so a
 * hundred thousand calls take seconds: `count` calls `ageDays` old, each with `turnsPerCall` transcript
 * turns and one message per ten calls. The content is placeholder bytes: the sweep never decrypts it.
 */
export async function seedCalls(db: Db, orgId: string, options: { count: number; ageDays: number; turnsPerCall?: number; tag?: string }): Promise<void> {
  const tag = options.tag ?? Math.random().toString(36).slice(2, 10);
  await db.transaction(async (trx) => {
    await trx.raw(
      `insert into calls (id, org_id, call_sid, direction, from_e164, to_e164, status, outcome, started_at, ended_at, duration_seconds, billable_seconds)
       select 'call_' || substr(md5(:tag || g), 1, 26), :orgId, 'CA' || md5(:tag || g), 'inbound', '+14155550111', '+14155550100', 'completed', 'info_only',
              now() - make_interval(days => :ageDays) - make_interval(secs => g), now() - make_interval(days => :ageDays) - make_interval(secs => g) + interval '2 minutes', 120, 120
       from generate_series(1, :count) g`,
      { tag, orgId, ageDays: options.ageDays, count: options.count },
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
      `insert into messages (id, org_id, call_id, body_ciphertext, callback_e164, created_at)
       select 'msg_' || substr(md5('m' || :tag || g), 1, 26), :orgId, 'call_' || substr(md5(:tag || g), 1, 26), '\\x00'::bytea, '+14155550111', now() - make_interval(days => :ageDays)
       from generate_series(10, :count, 10) g`,
      { tag, orgId, count: options.count, ageDays: options.ageDays },
    );
  });
}
