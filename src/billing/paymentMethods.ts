import type Stripe from 'stripe';
import { auditLogRepository } from '../accounts/repositories/auditLog';
import type { Db, Tx } from '../platform/db/knex';
import { stripeCustomerOf } from './customers';

/** Marks the setup intents Callgenly starts for a subscriber's card; any other Stripe sends is not ours to act on. */
export const PAYMENT_METHOD_KIND = 'payment_method';

/**
 * A Stripe Checkout page in setup mode: the subscriber gives a card (or another method Stripe offers)
 * without paying now; Stripe's `setup_intent.succeeded` webhook then makes it the one invoices are charged
 * to. The same idempotency key gets the same page.
 */
export async function startPaymentMethodSetup(
  db: Db,
  stripe: Stripe,
  input: { orgId: string; userId: string | null; currency: string; returnTo: string; idempotencyKey: string },
): Promise<Stripe.Checkout.Session> {
  const customer = await stripeCustomerOf(db, stripe, input.orgId);
  const metadata = { org_id: input.orgId, kind: PAYMENT_METHOD_KIND, started_by: input.userId ?? '' };
  return stripe.checkout.sessions.create(
    {
      mode: 'setup',
      customer,
      currency: input.currency.toLowerCase(),
      setup_intent_data: { metadata },
      success_url: `${input.returnTo}/billing?payment-method=done`,
      cancel_url: `${input.returnTo}/billing?payment-method=cancelled`,
      metadata,
    },
    { idempotencyKey: `payment-method:${input.orgId}:${input.idempotencyKey}` },
  );
}

/** "Visa •••• 4242, expires 8/2030"; a method without a card says its type ("SEPA Direct Debit •••• 3000"). */
export function paymentMethodLabel(method: Stripe.PaymentMethod): string {
  const titled = (s: string) => s.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
  if (method.card) return `${titled(method.card.brand)} •••• ${method.card.last4}, expires ${method.card.exp_month}/${method.card.exp_year}`;
  if (method.sepa_debit) return `SEPA Direct Debit •••• ${method.sepa_debit.last4 ?? '????'}`;
  if (method.us_bank_account) return `${method.us_bank_account.bank_name ?? 'Bank account'} •••• ${method.us_bank_account.last4 ?? '????'}`;
  return titled(method.type);
}

/**
 * A succeeded setup intent we started: its payment method becomes the customer's default for invoices (and
 * the subscription's, if one runs), and the organization row names it. The event is signed, and the
 * intent's customer must be the organization's own: a forged or foreign intent changes nothing. A repeated
 * event sets the same values again.
 */
export async function savePaymentMethod(trx: Tx, stripe: Stripe, intent: Stripe.SetupIntent): Promise<{ outcome: string; orgId?: string }> {
  const orgId = intent.metadata?.org_id;
  if (intent.metadata?.kind !== PAYMENT_METHOD_KIND || !orgId) return { outcome: 'not a payment method setup' };
  if (intent.status !== 'succeeded') return { outcome: `setup ${intent.status}` };
  const paymentMethodId = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id;
  const customer = typeof intent.customer === 'string' ? intent.customer : intent.customer?.id;
  const org = await trx('organizations').where({ id: orgId }).first('stripe_customer_id', 'stripe_subscription_id');
  if (!org || !paymentMethodId || !customer || org.stripe_customer_id !== customer) return { outcome: 'not our customer' };
  const method = await stripe.paymentMethods.retrieve(paymentMethodId);
  await stripe.customers.update(customer, { invoice_settings: { default_payment_method: paymentMethodId } });
  if (org.stripe_subscription_id) await stripe.subscriptions.update(org.stripe_subscription_id, { default_payment_method: paymentMethodId });
  const label = paymentMethodLabel(method);
  await trx('organizations').where({ id: orgId }).update({ stripe_payment_method_id: paymentMethodId, payment_method_label: label, payment_method_updated_at: trx.fn.now() });
  await auditLogRepository(trx).record({
    orgId,
    actorType: 'webhook',
    actorId: null,
    action: 'billing.payment_method_added',
    targetType: 'organization',
    targetId: orgId,
    metadata: { label, startedBy: intent.metadata.started_by || null, setupIntent: intent.id },
  });
  return { outcome: 'payment method saved', orgId };
}
