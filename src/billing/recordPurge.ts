import { DateTime } from 'luxon';
import type { Tx } from '../platform/db/knex';

/**
 * An organization's billing records whose time is up, as of `now`, deleted in the caller's transaction: billing
 * records past `retain_until` (and `years` after their period), usage rows and balance-ledger entries
 * `years` old, and the usage batches whose rows are all gone. Each balance (the organization's, or a
 * learner's) keeps its total: the purged entries become one `carried_forward` entry, which is a running
 * total, not a payment record, and stays.
 * Returns how many rows went.
 */
export async function purgeExpiredBillingRecords(trx: Tx, orgId: string, now: Date, years: number): Promise<number> {
  const cutoff = DateTime.fromJSDate(now, { zone: 'utc' }).minus({ years });
  const billing = await trx('billing_records').where({ org_id: orgId }).where('retain_until', '<', DateTime.fromJSDate(now, { zone: 'utc' }).toISODate()!).where('period_end', '<', cutoff.toJSDate()).del();
  const usage = await trx('usage_records').where({ org_id: orgId }).where('created_at', '<', cutoff.toJSDate()).del();
  // A batch goes with the last of its rows (its rows point at it, so it cannot go before them).
  const batches = await trx('usage_batches as b')
    .where({ 'b.org_id': orgId })
    .where('b.created_at', '<', cutoff.toJSDate())
    .whereNotExists((q) => q.select(trx.raw('1')).from('usage_records as u').whereRaw('u.org_id = b.org_id and u.batch_id = b.id'))
    .del();
  const old = () => trx('balance_ledger').where({ org_id: orgId }).where('created_at', '<', cutoff.toJSDate()).whereNot({ kind: 'carried_forward' });
  const balances: Array<{ user_id: string | null; currency: string; total: string }> = await old().groupBy('user_id', 'currency').select('user_id', 'currency', trx.raw('sum(amount_minor)::bigint as total'));
  const ledger = await old().del();
  for (const b of balances) {
    if (Number(b.total) === 0) continue;
    await trx('balance_ledger').insert({
      org_id: orgId,
      user_id: b.user_id,
      kind: 'carried_forward',
      amount_minor: b.total,
      currency: b.currency,
      idempotency_key: `carried-forward:${orgId}:${b.user_id ?? 'organization'}:${b.currency}:${cutoff.toISO()}`,
      created_at: cutoff.toJSDate(),
    });
  }
  return billing + usage + batches + ledger;
}
