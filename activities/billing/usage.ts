import { log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { stripeCustomerOf } from '../../src/billing/customers';
import { balancesOf } from '../../src/billing/topUps';
import type { Config } from '../../src/platform/config';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { Notifier } from '../../src/notifications/notifier';
import { billingWorkflowId, usageSignal } from '../../workflows/billing/definitions';
import { whileHeartbeating } from '../platform/heartbeats';

export type UsageBilling = 'reported' | 'debited' | 'already' | 'no-usage' | 'billing-off';

/**
 * Bills a finished call's usage ledger row `usage:<CallSid>` (written when the call is finalized), once:
 * - prepaid organizations: one debit in the balance ledger, keyed `debit:<CallSid>`, per started unit
 *   (a minute by default);
 *   crossing the low-balance line tells the owners;
 * - subscriptions: one Stripe Billing Meter event whose identifier and idempotency key are the usage key,
 *   on the organization's customer.
 * The organization's billing cycle hears of it (its running count of the period's usage), then the row is
 * marked. A retry after a crash anywhere in between repeats only what Stripe (or the ledger's key, or the
 * cycle's count of calls) recognises as the same; nothing is billed twice.
 */
export function createBillingActivities(deps: { db: Db; config: Config; stripe?: Stripe; notifier: Notifier; temporal: Client }) {
  const { db, config } = deps;

  async function debitPrepaid(orgId: string, callSid: string, billableSeconds: number): Promise<void> {
    const { perUnitMinor, unitSeconds, currency, lowBalanceMinor } = config.prepaid;
    const amount = Math.ceil(billableSeconds / unitSeconds) * perUnitMinor;
    const notices = await db.transaction(async (trx) => {
      // One organization's debits one at a time, so exactly one call is the one that crosses the line.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`balance:${orgId}`]);
      const debited = await trx('balance_ledger')
        .insert({ org_id: orgId, kind: 'call_debit', amount_minor: -amount, currency, idempotency_key: `debit:${callSid}` })
        .onConflict('idempotency_key')
        .ignore()
        .returning('id');
      if (debited.length === 0) return [];
      const balance = (await balancesOf(trx, orgId)).find((b) => b.currency === currency) ?? { currency, amountMinor: 0 };
      // Only the call that takes the balance below the line tells the owners, not every call after it.
      if (!(balance.amountMinor < lowBalanceMinor && balance.amountMinor + amount >= lowBalanceMinor)) return [];
      return deps.notifier.write({ kind: 'billing.low_balance', orgId, payload: { balance, topUpUrl: null }, to: { roles: ['owner'] }, cause: `low-balance:${callSid}` }, trx);
    });
    await deps.notifier.start(notices);
  }

  /** The billing cycle counts the call (it ignores a repeat); an organization without a cycle yet just has none to tell. */
  async function tellBillingCycle(orgId: string, usage: { call_sid: string; billable_seconds: number; created_at: Date }): Promise<void> {
    try {
      await deps.temporal.workflow
        .getHandle(billingWorkflowId(orgId))
        .signal(usageSignal, { callSid: usage.call_sid, billableSeconds: usage.billable_seconds, recordedAt: new Date(usage.created_at).toISOString() });
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  async function billUsage(input: { orgId: string; callSid: string }): Promise<UsageBilling> {
    const key = `usage:${input.callSid}`;
    const usage = await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ idempotency_key: key }).first());
    if (!usage) return 'no-usage';
    if (usage.reported_at) return 'already';
    await tellBillingCycle(input.orgId, usage);
    const org = await withTenant(db, input.orgId, (trx) => trx('organizations').first('billing_mode'));
    // A retry after the debit stays on the prepaid path even if the organization switched mode since.
    const debitedBefore = await db('balance_ledger').where({ idempotency_key: `debit:${input.callSid}` }).first('id');
    let billed: UsageBilling;
    if (org.billing_mode === 'prepaid' || debitedBefore) {
      await debitPrepaid(input.orgId, input.callSid, usage.billable_seconds);
      billed = 'debited';
    } else {
      if (!deps.stripe || !config.stripe) return 'billing-off';
      const customer = await stripeCustomerOf(db, deps.stripe, input.orgId);
      await deps.stripe.billing.meterEvents.create(
        {
          event_name: config.stripe.meterEventName,
          payload: { stripe_customer_id: customer, value: String(usage.billable_seconds) },
          identifier: key,
          timestamp: Math.floor(new Date(usage.occurred_at).getTime() / 1000),
        },
        { idempotencyKey: key },
      );
      billed = 'reported';
    }
    await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ id: usage.id }).whereNull('reported_at').update({ reported_at: trx.fn.now() }));
    return billed;
  }

  const activities = {
    /** Heartbeats throughout: a worker that dies mid-report is noticed in seconds and the report retried under the same key. */
    billCallUsage: (input: { orgId: string; callSid: string }): Promise<UsageBilling> => whileHeartbeating(() => billUsage(input)),

    /**
     * Bills usage rows the call workflows left unbilled: calls that ended before billing was deployed, or
     * whose billing gave up after 20 hours. Oldest first, a batch at a time; each row as a call would.
     */
    async billUnreportedUsage(input: { limit: number }): Promise<{ billed: number; failed: number }> {
      const rows: Array<{ org_id: string; call_sid: string }> = await db('usage_records as u')
        .join('organizations as o', 'o.id', 'u.org_id')
        .whereNull('u.reported_at')
        .where('u.occurred_at', '<', db.raw(`now() - interval '21 hours'`))
        .modify((q) => void (deps.stripe ? q : q.where('o.billing_mode', 'prepaid'))) // no Stripe: only prepaid bills
        .orderBy('u.occurred_at')
        .limit(input.limit)
        .select('u.org_id', 'u.call_sid');
      let billed = 0;
      let failed = 0;
      for (const row of rows) {
        try {
          const outcome = await activities.billCallUsage({ orgId: row.org_id, callSid: row.call_sid });
          if (outcome === 'debited' || outcome === 'reported') billed++;
        } catch (error) {
          failed++; // left for the next run; one bad row must not stop the rest
          log.warn('usage not billed yet', { orgId: row.org_id, err: (error as Error).message });
        }
      }
      return { billed, failed };
    },
  };
  return activities;
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
