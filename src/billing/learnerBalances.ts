import type { Tx } from '../platform/db/knex';
import type { Money } from '../notifications/kinds';

/**
 * A coaching organization's learners each pay from a balance of their own: the same append-only ledger as
 * the organization's prepaid balance, with the learner's `user_id` on each row (the organization's own
 * rows have none). Top-ups come from Stripe Checkout, debits from finished practice calls, refunds from
 * Stripe; each row's idempotency key makes a repeated cause a no-op.
 */

/** What a Checkout session for a learner's top-up carries, so its webhook credits the right balance. */
export const LEARNER_TOP_UP_KIND = 'learner_top_up';

export async function learnerBalance(trx: Tx, orgId: string, userId: string, currency: string): Promise<Money> {
  const row = await trx('balance_ledger').where({ org_id: orgId, user_id: userId, currency }).first(trx.raw('coalesce(sum(amount_minor), 0)::bigint as total'));
  return { amountMinor: Number(row?.total ?? 0), currency };
}

export interface LedgerEntry {
  id: string;
  kind: 'top_up' | 'call_debit' | 'refund' | 'adjustment' | 'carried_forward';
  amount_minor: string;
  currency: string;
  created_at: Date;
  idempotency_key: string;
}

/** A balance's entries, newest first, `before` an entry id for the next page: a learner's, or (null) the organization's own. */
export function ledgerEntries(trx: Tx, orgId: string, userId: string | null, page: { before?: number; limit: number }): Promise<LedgerEntry[]> {
  return trx('balance_ledger')
    .where({ org_id: orgId })
    .modify((q) => void (userId === null ? q.whereNull('user_id') : q.where({ user_id: userId })))
    .modify((q) => void (page.before && q.where('id', '<', page.before)))
    .orderBy('id', 'desc')
    .limit(page.limit)
    .select('id', 'kind', 'amount_minor', 'currency', 'created_at', 'idempotency_key');
}

/**
 * Takes a finished practice call's price off the learner's balance, once (key `coach-debit:<practice call>`).
 * Debits of one learner run one at a time, so exactly one is the debit that crosses the low-balance line.
 * Returns the balance after it and whether this debit crossed the line (null when it was already taken).
 */
export async function debitLearner(
  trx: Tx,
  input: { orgId: string; userId: string; practiceCallId: string; amount: Money; lowBalanceMinor: number },
): Promise<{ balance: Money; crossedLow: boolean } | null> {
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`learner-balance:${input.orgId}:${input.userId}`]);
  if (input.amount.amountMinor <= 0) return null;
  const inserted = await trx('balance_ledger')
    .insert({ org_id: input.orgId, user_id: input.userId, kind: 'call_debit', amount_minor: -input.amount.amountMinor, currency: input.amount.currency, idempotency_key: `coach-debit:${input.practiceCallId}` })
    .onConflict('idempotency_key')
    .ignore()
    .returning('id');
  if (inserted.length === 0) return null;
  const balance = await learnerBalance(trx, input.orgId, input.userId, input.amount.currency);
  return { balance, crossedLow: balance.amountMinor < input.lowBalanceMinor && balance.amountMinor + input.amount.amountMinor >= input.lowBalanceMinor };
}
