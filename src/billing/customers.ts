import type Stripe from 'stripe';
import type { Db } from '../platform/db/knex';
import { withTenant } from '../platform/db/tenancy';

/**
 * The organization's Stripe customer, created on first use. The idempotency key makes a retry (or two
 * requests racing) get the same customer from Stripe, and only the first id is stored.
 */
export async function stripeCustomerOf(db: Db, stripe: Stripe, orgId: string): Promise<string> {
  const org = await withTenant(db, orgId, (trx) => trx('organizations').first('name', 'stripe_customer_id'));
  if (org.stripe_customer_id) return org.stripe_customer_id;
  const customer = await stripe.customers.create({ name: org.name, metadata: { org_id: orgId } }, { idempotencyKey: `customer:${orgId}` });
  return withTenant(db, orgId, async (trx) => {
    await trx('organizations').whereNull('stripe_customer_id').update({ stripe_customer_id: customer.id });
    return (await trx('organizations').first('stripe_customer_id')).stripe_customer_id as string;
  });
}
