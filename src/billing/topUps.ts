import type Stripe from 'stripe';
import type { Tx } from '../db/knex';
import type { Money } from '../notifications/kinds';

/** What a Checkout session for a top-up carries, so its webhook knows whose balance to credit. */
export const TOP_UP_KIND = 'top_up';

/**
 * Credits a paid top-up to the organization's balance, once: the row's key is the Checkout session, so
 * `checkout.session.completed` and `…async_payment_succeeded` for the same session credit it one time.
 * Unpaid sessions (a delayed payment method still pending) credit nothing. Returns whether it credited.
 */
export async function creditTopUp(trx: Tx, session: Stripe.Checkout.Session): Promise<{ orgId: string; amount: Money } | null> {
  const orgId = session.metadata?.org_id;
  if (session.metadata?.kind !== TOP_UP_KIND || !orgId || session.payment_status !== 'paid') return null;
  if (!session.amount_total || !session.currency) return null;
  if (!(await trx('organizations').where({ id: orgId }).first('id'))) return null; // not one of ours (deleted)
  const amount = { amountMinor: session.amount_total, currency: session.currency.toUpperCase() };
  const inserted = await trx('balance_ledger')
    .insert({ org_id: orgId, kind: 'top_up', amount_minor: amount.amountMinor, currency: amount.currency, idempotency_key: `topup:${session.id}`, stripe_object_id: session.id })
    .onConflict('idempotency_key')
    .ignore()
    .returning('id');
  return inserted.length > 0 ? { orgId, amount } : null;
}

/** The balance per currency: the sum of the ledger, in minor units (a tenant transaction sees only its own). */
export async function balancesOf(trx: Tx, orgId?: string): Promise<Array<{ currency: string; amountMinor: number }>> {
  const query = trx('balance_ledger').groupBy('currency').orderBy('currency').select('currency', trx.raw('sum(amount_minor)::bigint as total'));
  if (orgId) query.where({ org_id: orgId });
  const rows: Array<{ currency: string; total: string }> = await query;
  return rows.map((r) => ({ currency: r.currency, amountMinor: Number(r.total) }));
}
