import type Stripe from 'stripe';
import type { Tx } from '../db/knex';

/** What a Checkout session for a top-up carries, so its webhook knows whose balance to credit. */
export const TOP_UP_KIND = 'top_up';

/**
 * Credits a paid top-up to the organization's balance, once: the row's key is the Checkout session, so
 * `checkout.session.completed` and `…async_payment_succeeded` for the same session credit it one time.
 * Unpaid sessions (a delayed payment method still pending) credit nothing. Returns whether it credited.
 */
export async function creditTopUp(trx: Tx, session: Stripe.Checkout.Session): Promise<boolean> {
  const orgId = session.metadata?.org_id;
  if (session.metadata?.kind !== TOP_UP_KIND || !orgId || session.payment_status !== 'paid') return false;
  if (!session.amount_total || !session.currency) return false;
  if (!(await trx('organizations').where({ id: orgId }).first('id'))) return false; // not one of ours (deleted)
  const inserted = await trx('balance_ledger')
    .insert({ org_id: orgId, kind: 'top_up', amount_minor: session.amount_total, currency: session.currency.toUpperCase(), idempotency_key: `topup:${session.id}`, stripe_object_id: session.id })
    .onConflict('idempotency_key')
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

/** The balance per currency: the sum of the ledger, in minor units. */
export async function balancesOf(trx: Tx): Promise<Array<{ currency: string; amountMinor: number }>> {
  const rows = await trx('balance_ledger').groupBy('currency').orderBy('currency').select('currency', trx.raw('sum(amount_minor)::bigint as total'));
  return rows.map((r) => ({ currency: r.currency as string, amountMinor: Number(r.total) }));
}
