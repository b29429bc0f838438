import type Stripe from 'stripe';
import type { StripeConfig } from '../platform/config';
import type { Db } from '../platform/db/knex';
import { stripeCustomerOf } from './customers';

/**
 * The organization's subscription to the receptionist plan (base price + metered minutes), created once:
 * the idempotency key names the organization and the period it starts in, so a retried activity gets the
 * same subscription, and a later return to the plan (after prepaid) gets a new one. Without the price ids
 * (STRIPE_BASE_PRICE_ID, STRIPE_USAGE_PRICE_ID) there is no subscription and Stripe bills nothing.
 */
export async function ensureSubscription(db: Db, stripe: Stripe, config: StripeConfig, orgId: string, periodStart: string): Promise<string | null> {
  if (!config.basePriceId || !config.usagePriceId) return null;
  const org = await db('organizations').where({ id: orgId }).first('stripe_subscription_id');
  if (org?.stripe_subscription_id) return org.stripe_subscription_id;
  const customer = await stripeCustomerOf(db, stripe, orgId);
  const subscription = await stripe.subscriptions.create(
    { customer, items: [{ price: config.basePriceId }, { price: config.usagePriceId }], metadata: { org_id: orgId } },
    { idempotencyKey: `subscription:${orgId}:${periodStart}` },
  );
  await db('organizations').where({ id: orgId }).whereNull('stripe_subscription_id').update({ stripe_subscription_id: subscription.id });
  return (await db('organizations').where({ id: orgId }).first('stripe_subscription_id')).stripe_subscription_id;
}

/**
 * Ends the organization's subscription now, invoicing the usage so far (Stripe prorates the base fee),
 * and forgets it. A subscription Stripe already ended (the webhook told us) is only forgotten.
 */
export async function endSubscription(db: Db, stripe: Stripe, orgId: string, options: { cancelAtStripe: boolean }): Promise<void> {
  const org = await db('organizations').where({ id: orgId }).first('stripe_subscription_id');
  const id: string | null = org?.stripe_subscription_id ?? null;
  if (!id) return;
  if (options.cancelAtStripe) {
    const current = await stripe.subscriptions.retrieve(id);
    if (current.status !== 'canceled') await stripe.subscriptions.cancel(id, { invoice_now: true, prorate: true }, { idempotencyKey: `cancel:${id}` });
  }
  await db('organizations').where({ id: orgId, stripe_subscription_id: id }).update({ stripe_subscription_id: null });
}
