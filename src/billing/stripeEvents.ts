import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import type { Config } from '../platform/config';
import type { Tx } from '../platform/db/knex';
import type { Notifier, Written } from '../notifications/notifier';
import { cancelBillingSignal, paymentSignal, type PaymentEvent } from '../../workflows/billing/definitions';
import { signalBillingCycle } from './cycle';
import { balancesOf, creditTopUp, debitRefunds } from './topUps';
import { learnerBalance } from './learnerBalances';
import { savePaymentMethod } from './paymentMethods';

export interface StripeEventDeps {
  config: Config;
  temporal: Client;
  notifier: Notifier;
  stripe?: Stripe;
}

export interface HandledEvent {
  outcome: string;
  notices?: Written;
}

/**
 * What one verified Stripe event does, inside the transaction that records its id (so a failure here
 * leaves it unrecorded and Stripe delivers it again). Events arrive out of order, so invoices and
 * subscriptions are read again from Stripe and their current state is what counts; the billing cycle is
 * told (and started, if missing), and it ignores what it already knows.
 */
export async function handleStripeEvent(trx: Tx, event: Stripe.Event, deps: StripeEventDeps): Promise<HandledEvent> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      // A setup-mode session pays nothing: its setup intent's own event saves the payment method.
      if (event.data.object.mode === 'setup') return { outcome: 'setup session (its setup intent saves the method)' };
      return creditCheckout(trx, event.data.object, deps);
    case 'setup_intent.succeeded':
      if (!deps.stripe) return { outcome: 'billing off' };
      return savePaymentMethod(trx, deps.stripe, event.data.object);
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return reportInvoice(trx, event.data.object.id!, deps);
    case 'charge.refunded':
      return refundTopUp(trx, event.data.object.id, deps);
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return reportSubscription(trx, event.data.object.id, deps);
    default:
      return { outcome: 'ignored' };
  }
}

async function creditCheckout(trx: Tx, session: Stripe.Checkout.Session, deps: StripeEventDeps): Promise<HandledEvent> {
  const credited = await creditTopUp(trx, session);
  if (!credited) return { outcome: 'nothing to credit' };
  if (credited.userId) {
    // A learner's own balance: the learner hears of it, in the coaching organization's name.
    const balance = await learnerBalance(trx, credited.orgId, credited.userId, credited.amount.currency);
    const notices = await deps.notifier.write(
      { kind: 'coaching.top_up_received', orgId: credited.orgId, payload: { amount: credited.amount, balance }, to: { userIds: [credited.userId] }, cause: `learner-topup-received:${session.id}` },
      trx,
    );
    return { outcome: 'credited', notices };
  }
  // The owners hear of it, written with the credit (one notice per session, like the credit).
  const balance = (await balancesOf(trx, credited.orgId)).find((b) => b.currency === credited.amount.currency)!;
  const notices = await deps.notifier.write(
    { kind: 'billing.top_up_received', orgId: credited.orgId, payload: { amount: credited.amount, balance }, to: { roles: ['owner'] }, cause: `topup-received:${session.id}` },
    trx,
  );
  return { outcome: 'credited', notices };
}

async function organizationOfCustomer(trx: Tx, customer: string | { id: string } | null): Promise<string | undefined> {
  const id = typeof customer === 'string' ? customer : customer?.id;
  if (!id) return undefined;
  return (await trx('organizations').where({ stripe_customer_id: id }).first('id'))?.id;
}

/** Paid is final; an open (or uncollectible) invoice Stripe has tried to collect is a failed payment; drafts and voided ones say nothing. */
function paymentOf(invoice: Stripe.Invoice): PaymentEvent | null {
  const failed = (invoice.status === 'open' || invoice.status === 'uncollectible') && invoice.attempt_count > 0;
  if (invoice.status !== 'paid' && !failed) return null;
  return {
    invoiceId: invoice.id!,
    outcome: invoice.status === 'paid' ? 'paid' : 'failed',
    amountMinor: invoice.status === 'paid' ? invoice.amount_paid : invoice.amount_remaining,
    currency: invoice.currency.toUpperCase(),
    invoiceUrl: invoice.hosted_invoice_url ?? null,
    nextAttemptAt: invoice.next_payment_attempt ? new Date(invoice.next_payment_attempt * 1000).toISOString() : null,
  };
}

async function reportInvoice(trx: Tx, invoiceId: string, deps: StripeEventDeps): Promise<HandledEvent> {
  if (!deps.stripe) return { outcome: 'billing off' };
  const invoice = await deps.stripe.invoices.retrieve(invoiceId);
  const orgId = await organizationOfCustomer(trx, invoice.customer);
  if (!orgId) return { outcome: 'not our customer' };
  const payment = paymentOf(invoice);
  if (!payment) return { outcome: `invoice ${invoice.status}` };
  await signalBillingCycle(deps.temporal, deps.config.temporal.taskQueue, orgId, paymentSignal, payment);
  return { outcome: `payment ${payment.outcome}` };
}

async function reportSubscription(trx: Tx, subscriptionId: string, deps: StripeEventDeps): Promise<HandledEvent> {
  if (!deps.stripe) return { outcome: 'billing off' };
  const subscription = await deps.stripe.subscriptions.retrieve(subscriptionId);
  const orgId = await organizationOfCustomer(trx, subscription.customer);
  if (!orgId) return { outcome: 'not our customer' };
  // Only the subscription we bill on: ending an old one (left behind by a plan change) changes nothing.
  const ours = await trx('organizations').where({ id: orgId, stripe_subscription_id: subscription.id }).first('id');
  if (!ours || subscription.status !== 'canceled') return { outcome: `subscription ${subscription.status}` };
  await signalBillingCycle(deps.temporal, deps.config.temporal.taskQueue, orgId, cancelBillingSignal, { reason: 'subscription_ended' });
  return { outcome: 'subscription ended' };
}

/** A refunded top-up: the charge and its refunds read from Stripe, each refund taken off the balance once. */
async function refundTopUp(trx: Tx, chargeId: string, deps: StripeEventDeps): Promise<HandledEvent> {
  if (!deps.stripe) return { outcome: 'billing off' };
  const charge = await deps.stripe.charges.retrieve(chargeId);
  const refunds = await deps.stripe.refunds.list({ charge: chargeId, limit: 100 });
  const refunded = await debitRefunds(trx, charge, refunds.data);
  if (!refunded) return { outcome: 'not a top-up' };
  if (refunded.amount.amountMinor === 0) return { outcome: 'nothing new to refund' };
  if (!refunded.userId) return { outcome: 'refunded' };
  const balance = await learnerBalance(trx, refunded.orgId, refunded.userId, refunded.amount.currency);
  const notices = await deps.notifier.write(
    { kind: 'coaching.balance_refunded', orgId: refunded.orgId, payload: { amount: refunded.amount, balance }, to: { userIds: [refunded.userId] }, cause: `learner-refund:${chargeId}:${refunds.data.length}` },
    trx,
  );
  return { outcome: 'refunded', notices };
}
