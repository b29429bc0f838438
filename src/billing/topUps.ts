import type Stripe from 'stripe';
import type { Tx } from '../platform/db/knex';
import type { Money } from '../notifications/kinds';
import { LEARNER_TOP_UP_KIND } from './learnerBalances';

/** What a Checkout session for a top-up carries, so its webhook knows whose balance to credit. */
export const TOP_UP_KIND = 'top_up';

/**
 * Credits a paid top-up to the organization's balance, once: the row's key is the Checkout session, so
 * `checkout.session.completed` and `…async_payment_succeeded` for the same session credit it one time.
 * Unpaid sessions (a delayed payment method still pending) credit nothing. Returns whether it credited.
 */
export async function creditTopUp(trx: Tx, session: Stripe.Checkout.Session): Promise<{ orgId: string; userId: string | null; amount: Money } | null> {
  const orgId = session.metadata?.org_id;
  const kind = session.metadata?.kind;
  if ((kind !== TOP_UP_KIND && kind !== LEARNER_TOP_UP_KIND) || !orgId || session.payment_status !== 'paid') return null;
  if (!session.amount_total || !session.currency) return null;
  if (!(await trx('organizations').where({ id: orgId }).first('id'))) return null; // not one of ours (deleted)
  // A learner's top-up (coaching) goes to that learner's own balance, if they are still a learner there.
  const userId = kind === LEARNER_TOP_UP_KIND ? (session.metadata?.user_id ?? '') : null;
  if (userId !== null && !(await trx('learners').where({ org_id: orgId, user_id: userId }).first('user_id'))) return null;
  const amount = { amountMinor: session.amount_total, currency: session.currency.toUpperCase() };
  const inserted = await trx('balance_ledger')
    .insert({
      org_id: orgId,
      user_id: userId,
      kind: 'top_up',
      amount_minor: amount.amountMinor,
      currency: amount.currency,
      idempotency_key: `topup:${session.id}`,
      stripe_object_id: session.id,
      stripe_payment_intent: typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null),
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning('id');
  return inserted.length > 0 ? { orgId, userId, amount } : null;
}

/** The organization's own balance per currency (learners' balances apart): the sum of the ledger, in minor units. */
export async function balancesOf(trx: Tx, orgId?: string): Promise<Array<{ currency: string; amountMinor: number }>> {
  const query = trx('balance_ledger').whereNull('user_id').groupBy('currency').orderBy('currency').select('currency', trx.raw('sum(amount_minor)::bigint as total'));
  if (orgId) query.where({ org_id: orgId });
  const rows: Array<{ currency: string; total: string }> = await query;
  return rows.map((r) => ({ currency: r.currency, amountMinor: Number(r.total) }));
}

/**
 * Takes a refunded top-up off the balance: one `refund` row per Stripe refund (key `refund:<refund id>`),
 * however often the charge's events arrive, and only for a payment that was one of our top-ups.
 * Returns the organization and how much came off (0 when nothing new).
 */
export async function debitRefunds(trx: Tx, charge: Stripe.Charge, refunds: Stripe.Refund[]): Promise<{ orgId: string; userId: string | null; amount: Money } | null> {
  const paymentIntent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntent) return null;
  const topUp = await trx('balance_ledger').where({ kind: 'top_up', stripe_payment_intent: paymentIntent }).first('org_id', 'user_id', 'currency');
  if (!topUp) return null;
  let total = 0;
  for (const refund of refunds.filter((r) => r.status === 'succeeded')) {
    const inserted = await trx('balance_ledger')
      .insert({ org_id: topUp.org_id, user_id: topUp.user_id, kind: 'refund', amount_minor: -refund.amount, currency: topUp.currency, idempotency_key: `refund:${refund.id}`, stripe_object_id: refund.id, stripe_payment_intent: paymentIntent })
      .onConflict('idempotency_key')
      .ignore()
      .returning('id');
    if (inserted.length > 0) total += refund.amount;
  }
  return { orgId: topUp.org_id, userId: topUp.user_id, amount: { amountMinor: total, currency: topUp.currency } };
}
