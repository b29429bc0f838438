import { condition, continueAsNew, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BillingCycleActivities, OpenedPeriod } from '../../activities/billing/billingCycle';
import {
  cancelBillingSignal,
  paymentSignal,
  periodUsageQuery,
  planChangeSignal,
  usageBatchSignal,
  usageSignal,
  type BillingCycleInput,
  type BillingCycleResult,
  type BillingPlan,
  type BillingState,
  type PaymentEvent,
  type UsageEvent,
} from './definitions';
import { OrgId } from '../platform/searchAttributes';
import { BillingStatus } from './definitions';

/**
 * One organization's billing, `billing:<orgId>`, one period per run:
 * - opens the period (the Stripe subscription exists for a subscription plan) and counts its usage as
 *   calls report it (the `period-usage` query);
 * - reacts to payments as the Stripe webhook reports them: a failed invoice makes the organization
 *   `past_due`, and unless it is paid within the dunning window, `suspended` (calls only take messages);
 *   paying restores it;
 * - at the period's end reconciles the usage ledger (bills what was never reported), writes the billing
 *   record, applies a plan change asked for during the period, and continues as new with the next period.
 * Cancelling closes the period at once and ends the cycle. Status changes reach the owners by notice.
 */

// Stripe or the database being down only delays billing: keep trying, patiently.
const cycle = proxyActivities<BillingCycleActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

export async function billingCycleWorkflow(input: BillingCycleInput): Promise<BillingCycleResult> {
  const { orgId } = input;
  // The first period starts when the cycle does (the workflow's clock, so a retried opening names the same period).
  const periodStart = input.periodStart ?? new Date().toISOString();
  /** Undefined while the opening activity runs; null when the organization is gone. */
  let opened: OpenedPeriod | null | undefined;
  let status: BillingState = input.status ?? 'active';
  let suspendAt = input.suspendAt ? Date.parse(input.suspendAt) : undefined;
  let pendingPlan: BillingPlan | undefined = input.pendingPlan;
  let cancelReason: 'requested' | 'subscription_ended' | undefined;
  const payments: PaymentEvent[] = [];
  /** What each invoice was last seen as this period: a paid invoice stays paid whatever arrives late. */
  const invoices = new Map<string, PaymentEvent['outcome']>();
  const counted = new Set<string>();
  const usage = { calls: input.usage?.calls ?? 0, billableSeconds: input.usage?.billableSeconds ?? 0 };
  const planChange = () => (pendingPlan && pendingPlan !== opened?.plan ? pendingPlan : undefined);

  // Handlers first: a signal or a query may come while the period is being opened (right after continue-as-new).
  setHandler(paymentSignal, (event) => void payments.push(event));
  setHandler(planChangeSignal, ({ plan }) => void (pendingPlan = plan));
  setHandler(cancelBillingSignal, ({ reason }) => void (cancelReason ??= reason));
  /** A call counts once, in the period its usage row was written in. */
  const count = (event: UsageEvent) => {
    const at = Date.parse(event.recordedAt);
    if (at < Date.parse(periodStart) || (opened && at >= Date.parse(opened.periodEnd)) || counted.has(event.callSid)) return;
    counted.add(event.callSid);
    usage.calls += 1;
    usage.billableSeconds += event.billableSeconds;
  };
  setHandler(usageSignal, count);
  setHandler(usageBatchSignal, (events) => events.forEach(count));
  setHandler(periodUsageQuery, () => ({
    orgId,
    plan: opened?.plan ?? null,
    status,
    periodStart,
    periodEnd: opened?.periodEnd ?? null,
    ...usage,
    pendingPlan: planChange() ?? null,
    suspendAt: suspendAt === undefined ? null : new Date(suspendAt).toISOString(),
  }));

  opened = await cycle.openBillingPeriod({ orgId, periodStart });
  status = input.status ?? opened?.status ?? 'cancelled';
  if (!opened || status === 'cancelled') return { status: 'cancelled', periodsClosed: 0 };
  const period = opened;
  const { dunningMs } = period;
  const periodEnd = Date.parse(period.periodEnd);

  upsertSearchAttributes([
    { key: OrgId, value: orgId },
    { key: BillingStatus, value: status },
  ]);

  async function changeStatus(next: BillingState, cause: string, payment?: PaymentEvent): Promise<void> {
    const previous = status;
    status = next;
    upsertSearchAttributes([{ key: BillingStatus, value: next }]);
    await cycle.setBillingStatus({ orgId, status: next, previous, cause, payment, suspendAt: suspendAt === undefined ? undefined : new Date(suspendAt).toISOString() });
  }

  async function handlePayment(payment: PaymentEvent): Promise<void> {
    const seen = invoices.get(payment.invoiceId);
    if (seen === 'paid' || seen === payment.outcome) return;
    invoices.set(payment.invoiceId, payment.outcome);
    await cycle.recordInvoice({ orgId, invoiceId: payment.invoiceId, outcome: payment.outcome });
    if (payment.outcome === 'paid' && (status === 'past_due' || status === 'suspended')) {
      suspendAt = undefined;
      await changeStatus('active', `paid:${payment.invoiceId}`, payment);
    } else if (payment.outcome === 'failed' && status === 'active') {
      suspendAt = Date.now() + dunningMs;
      await changeStatus('past_due', `failed:${payment.invoiceId}`, payment);
    }
  }

  for (;;) {
    const wakeAt = Math.min(periodEnd, status === 'past_due' && suspendAt !== undefined ? suspendAt : Infinity);
    if (wakeAt > Date.now()) await condition(() => payments.length > 0 || cancelReason !== undefined || workflowInfo().continueAsNewSuggested, wakeAt - Date.now());
    while (payments.length > 0) await handlePayment(payments.shift()!);
    if (status === 'past_due' && suspendAt !== undefined && Date.now() >= suspendAt) {
      const cause = `suspended:${new Date(suspendAt).toISOString()}`;
      suspendAt = undefined;
      await changeStatus('suspended', cause);
    }
    if (cancelReason) {
      await cycle.closeBillingPeriod({ orgId, periodStart: period.periodStart, periodEnd: new Date().toISOString(), plan: period.plan });
      await cycle.endBilling({ orgId, cancelSubscription: cancelReason === 'requested' });
      suspendAt = undefined;
      await changeStatus('cancelled', `cancelled:${period.periodStart}`);
      return { status, periodsClosed: 1 };
    }
    if (Date.now() >= periodEnd) break;
    // A long period with many calls: start a fresh history for the same period, counts carried over.
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof billingCycleWorkflow>({ ...carried(), periodStart: period.periodStart, usage });
    }
  }

  await cycle.closeBillingPeriod({ orgId, periodStart: period.periodStart, periodEnd: period.periodEnd, plan: period.plan });
  const nextPlan = planChange();
  if (nextPlan) await cycle.applyPlan({ orgId, plan: nextPlan });
  // Payments reported while the period was being closed are handled here, not dropped with this run.
  while (payments.length > 0) await handlePayment(payments.shift()!);
  return continueAsNew<typeof billingCycleWorkflow>({ ...carried(), periodStart: period.periodEnd, pendingPlan: undefined });

  function carried(): BillingCycleInput {
    return { orgId, status, suspendAt: suspendAt === undefined ? undefined : new Date(suspendAt).toISOString(), pendingPlan: planChange() };
  }
}
