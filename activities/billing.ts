import type Stripe from 'stripe';
import type { Config } from '../src/config';
import type { Db } from '../src/db/knex';
import { withTenant } from '../src/db/tenancy';
import { stripeCustomerOf } from '../src/billing/customers';

export type UsageReport = 'reported' | 'already' | 'no-usage' | 'billing-off';

/**
 * Usage goes to Stripe exactly once per call: the ledger row `usage:<CallSid>` (written when the call is
 * finalized) is sent as one Billing Meter event whose identifier and idempotency key are that same key,
 * then marked reported. A retry after a crash anywhere in between sends the same event again, which
 * Stripe recognises; the ledger row itself is never written twice.
 */
export function createBillingActivities(deps: { db: Db; config: Config; stripe?: Stripe }) {
  const { db } = deps;

  return {
    async reportCallUsage(input: { orgId: string; callSid: string }): Promise<UsageReport> {
      const key = `usage:${input.callSid}`;
      const usage = await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ idempotency_key: key }).first());
      if (!usage) return 'no-usage';
      if (usage.reported_at) return 'already';
      if (!deps.stripe || !deps.config.stripe) return 'billing-off';
      const customer = await stripeCustomerOf(db, deps.stripe, input.orgId);
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
