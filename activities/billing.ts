import type Stripe from 'stripe';
import type { Config } from '../src/config';
import type { Db } from '../src/db/knex';
import { withTenant } from '../src/db/tenancy';

export type UsageReport = 'reported' | 'already' | 'no-usage' | 'billing-off';

/**
 * Usage goes to Stripe exactly once per call: the ledger row `usage:<CallSid>` (written when the call is
 * finalized) is sent as one Billing Meter event whose identifier and idempotency key are that same key,
 * then marked reported. A retry after a crash anywhere in between sends the same event again, which
 * Stripe recognises; the ledger row itself is never written twice.
 */
export function createBillingActivities(deps: { db: Db; config: Config; stripe?: Stripe }) {
  const { db } = deps;

  /** The organization's Stripe customer, created on first use with a key that makes a retry return the same one. */
  async function customerOf(stripe: Stripe, orgId: string): Promise<string> {
    const org = await withTenant(db, orgId, (trx) => trx('organizations').first('name', 'stripe_customer_id'));
    if (org.stripe_customer_id) return org.stripe_customer_id;
    const customer = await stripe.customers.create({ name: org.name, metadata: { org_id: orgId } }, { idempotencyKey: `customer:${orgId}` });
    return withTenant(db, orgId, async (trx) => {
      await trx('organizations').whereNull('stripe_customer_id').update({ stripe_customer_id: customer.id });
      return (await trx('organizations').first('stripe_customer_id')).stripe_customer_id as string;
    });
  }

  return {
    async reportCallUsage(input: { orgId: string; callSid: string }): Promise<UsageReport> {
      const key = `usage:${input.callSid}`;
      const usage = await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ idempotency_key: key }).first());
      if (!usage) return 'no-usage';
      if (usage.reported_at) return 'already';
      if (!deps.stripe || !deps.config.stripe) return 'billing-off';
      const customer = await customerOf(deps.stripe, input.orgId);
      await deps.stripe.billing.meterEvents.create(
        {
          event_name: deps.config.stripe.meterEventName,
          payload: { stripe_customer_id: customer, value: String(usage.billable_seconds) },
          identifier: key,
          timestamp: Math.floor(new Date(usage.occurred_at).getTime() / 1000),
        },
        { idempotencyKey: key },
      );
      await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ id: usage.id }).whereNull('reported_at').update({ reported_at: trx.fn.now() }));
      return 'reported';
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
