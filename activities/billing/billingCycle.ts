import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { organizationsWithoutBillingCycle, startBillingCycle } from '../../src/billing/cycle';
import { periodCharges } from '../../src/billing/charges';
import { periodEnd, retainUntil } from '../../src/billing/periods';
import { endSubscription, ensureSubscription } from '../../src/billing/subscriptions';
import { auditLogRepository } from '../../src/accounts/repositories/auditLog';
import type { Config } from '../../src/platform/config';
import { newId } from '../../src/platform/db/ids';
import type { Db } from '../../src/platform/db/knex';
import type { Logger } from '../../src/platform/logger';
import type { NotifyRequest, Notifier } from '../../src/notifications/notifier';
import type { BillingPlan, BillingState, PaymentEvent } from '../../workflows/billing/definitions';
import { countReported } from '../../src/billing/usageBatches';
import type { UsageBiller } from './usage';

export interface OpenedPeriod {
  periodStart: string;
  periodEnd: string;
  plan: BillingPlan;
  status: BillingState;
  dunningMs: number;
}

export interface ClosedPeriod {
  recordId: string;
  calls: number;
  billableSeconds: number;
  amountMinor: number;
  currency: string;
  reconciledCalls: number;
}

const SUSPENSION_REASON = 'a payment is overdue. Until it is paid, your calls are answered only to take messages.';

/**
 * The billing cycle's side effects. Each is safe to repeat: the subscription has a deterministic key,
 * a billing record one row per (organization, period start), a status notice one per cause.
 */
export function createBillingCycleActivities(deps: {
  db: Db;
  config: Config;
  stripe?: Stripe;
  notifier: Notifier;
  temporal: Client;
  logger: Logger;
  usage: UsageBiller;
}) {
  const { db, config } = deps;

  return {
    /** The period starting at `periodStart`, with the subscription it bills on (its key names the period). Null: the organization is gone. */
    async openBillingPeriod(input: { orgId: string; periodStart: string }): Promise<OpenedPeriod | null> {
      const org = await db('organizations').where({ id: input.orgId }).first('billing_mode', 'billing_status', 'status');
      if (!org || org.status === 'deleted') return null;
      const start = new Date(input.periodStart);
      if (org.billing_mode === 'subscription' && deps.stripe && config.stripe && org.billing_status !== 'cancelled') {
        await ensureSubscription(db, deps.stripe, config.stripe, input.orgId, start.toISOString());
      }
      return {
        periodStart: start.toISOString(),
        periodEnd: periodEnd(start, config.billing.periodMs).toISOString(),
        plan: org.billing_mode,
        status: org.billing_status,
        dunningMs: config.billing.dunningMs,
      };
    },

    /**
     * Reconciles and records the period: usage rows written in it that were never billed are billed now
     * (each once, like a call would, taking over a batch whose reporter gave up; the first of an hour brings
     * the rest of its hour), then one billing record is written from the usage ledger, which is the truth
     * (not the workflow's running count). A repeat finds the record and changes nothing.
     */
    async closeBillingPeriod(input: { orgId: string; periodStart: string; periodEnd: string; plan: BillingPlan }): Promise<ClosedPeriod> {
      const inPeriod = () => db('usage_records').where({ org_id: input.orgId }).where('created_at', '>=', input.periodStart).where('created_at', '<', input.periodEnd);
      const unbilled: Array<{ id: string; call_sid: string }> = await inPeriod().whereNull('reported_at').select('id', 'call_sid');
      for (const row of unbilled) await deps.usage.bill({ orgId: input.orgId, callSid: row.call_sid }, { takeOver: true });
      const reconciledCalls = await countReported(db, unbilled.map((r) => r.id));
      const totals = await inPeriod().first(db.raw('count(*)::int as calls'), db.raw('coalesce(sum(billable_seconds), 0)::bigint as seconds'));
      const billableSeconds = Number(totals.seconds);
      let charges = periodCharges(config.billing.plan, input.plan, billableSeconds);
      if (input.plan === 'prepaid') {
        // What the period's calls took from the balance, each debited as it ended.
        const debits = await db('balance_ledger as b')
          .join('usage_records as u', 'b.idempotency_key', db.raw(`'debit:' || u.call_sid`))
          .where('u.org_id', input.orgId)
          .where('u.created_at', '>=', input.periodStart)
          .where('u.created_at', '<', input.periodEnd)
          .first(db.raw('coalesce(-sum(b.amount_minor), 0)::bigint as total'));
        const usageAmountMinor = Number(debits.total);
        charges = { ...charges, usageAmountMinor, amountMinor: usageAmountMinor, currency: config.prepaid.currency };
      }
      const end = new Date(input.periodEnd);
      await db('billing_records')
        .insert({
          id: newId('bill'),
          org_id: input.orgId,
          period_start: input.periodStart,
          period_end: input.periodEnd,
          plan: input.plan,
          calls: totals.calls,
          billable_seconds: billableSeconds,
          minutes: Math.ceil(billableSeconds / 60),
          included_minutes: charges.includedMinutes,
          base_amount_minor: charges.baseAmountMinor,
          usage_amount_minor: charges.usageAmountMinor,
          amount_minor: charges.amountMinor,
          currency: charges.currency,
          // A prepaid period was paid call by call; a subscription's invoice is Stripe's to collect.
          status: input.plan === 'prepaid' ? 'paid' : 'open',
          reconciled_calls: reconciledCalls,
          retain_until: retainUntil(end, config.billing.recordRetentionYears),
        })
        .onConflict(['org_id', 'period_start'])
        .ignore();
      const record = await db('billing_records').where({ org_id: input.orgId, period_start: input.periodStart }).first();
      return {
        recordId: record.id,
        calls: record.calls,
        billableSeconds: Number(record.billable_seconds),
        amountMinor: Number(record.amount_minor),
        currency: record.currency,
        reconciledCalls: record.reconciled_calls,
      };
    },

    /**
     * Puts Stripe's invoice on the billing record it bills: the record that already carries it, or else the
     * latest closed record still without one (Stripe invoices a period when it ends). An invoice before
     * any record (the first base fee, billed in advance) only changes the organization's status.
     */
    async recordInvoice(input: { orgId: string; invoiceId: string; outcome: PaymentEvent['outcome'] }): Promise<void> {
      const status = input.outcome === 'paid' ? 'paid' : 'past_due';
      await db.transaction(async (trx) => {
        const updated = await trx('billing_records').where({ org_id: input.orgId, stripe_invoice_id: input.invoiceId }).update({ status });
        if (updated > 0) return;
        const latest = await trx('billing_records').where({ org_id: input.orgId, plan: 'subscription' }).whereNull('stripe_invoice_id').orderBy('period_start', 'desc').first('id');
        if (latest) await trx('billing_records').where({ id: latest.id }).update({ stripe_invoice_id: input.invoiceId, status });
      });
    },

    /** The organization's billing status, where the call path and the API read it, and the owners' notice of the change. */
    async setBillingStatus(input: { orgId: string; status: BillingState; previous: BillingState; cause: string; payment?: PaymentEvent; suspendAt?: string }): Promise<void> {
      const notice = statusNotice(input);
      const written = await db.transaction(async (trx) => {
        await trx('organizations').where({ id: input.orgId }).update({ billing_status: input.status });
        return notice ? deps.notifier.write(notice, trx) : [];
      });
      await deps.notifier.start(written);
    },

    /**
     * A plan change, at the period boundary: leaving the subscription ends it at Stripe (its last usage invoiced).
     * An organization that turned HIPAA mode on since asking keeps its plan: the new one would not include it.
     */
    async applyPlan(input: { orgId: string; plan: BillingPlan }): Promise<void> {
      const org = await db('organizations').where({ id: input.orgId }).first('hipaa_mode', 'billing_mode');
      if (org?.hipaa_mode && !config.auth.baa.plans.includes(input.plan)) {
        if (org.billing_mode === input.plan) return;
        const metadata = { plan: input.plan, kept: org.billing_mode, reason: 'HIPAA mode is on, and the plan does not include it' };
        await auditLogRepository(db).record({ orgId: input.orgId, actorType: 'system', actorId: null, action: 'billing.plan_change_refused', targetType: 'organization', targetId: input.orgId, metadata });
        return;
      }
      if (input.plan === 'prepaid' && deps.stripe) await endSubscription(db, deps.stripe, input.orgId, { cancelAtStripe: true });
      await db('organizations').where({ id: input.orgId }).update({ billing_mode: input.plan });
    },

    /** Starts the cycles of organizations that have none (created while Temporal was down, or before billing cycles existed). */
    async startMissingBillingCycles(): Promise<number> {
      const orgIds = await organizationsWithoutBillingCycle(db, 100);
      for (const orgId of orgIds) await startBillingCycle(deps, orgId);
      return orgIds.length;
    },

    /** The end of the cycle: the subscription is cancelled at Stripe (unless Stripe ended it) and forgotten. */
    async endBilling(input: { orgId: string; cancelSubscription: boolean }): Promise<void> {
      if (deps.stripe) await endSubscription(db, deps.stripe, input.orgId, { cancelAtStripe: input.cancelSubscription });
    },
  };
}

/** What the owners are told when the status changes; nothing for a cancellation they asked for. */
function statusNotice(input: { orgId: string; status: BillingState; previous: BillingState; cause: string; payment?: PaymentEvent; suspendAt?: string }): NotifyRequest | null {
  const base = { orgId: input.orgId, to: { roles: ['owner' as const] }, cause: `billing-status:${input.cause}` };
  if (input.status === 'past_due' && input.payment) {
    const { payment } = input;
    return {
      ...base,
      kind: 'billing.payment_failed',
      payload: { amount: { amountMinor: payment.amountMinor, currency: payment.currency }, retryAt: payment.nextAttemptAt, invoiceUrl: payment.invoiceUrl, suspendAt: input.suspendAt ?? null },
    };
  }
  if (input.status === 'suspended') return { ...base, kind: 'billing.suspended', payload: { reason: SUSPENSION_REASON } };
  if (input.status === 'active' && (input.previous === 'past_due' || input.previous === 'suspended')) return { ...base, kind: 'billing.restored', payload: {} };
  return null;
}

export type BillingCycleActivities = ReturnType<typeof createBillingCycleActivities>;
