import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { balancesOf, TOP_UP_KIND } from '../../../billing/topUps';
import { stripeCustomerOf } from '../../../billing/customers';
import { withTenant } from '../../../db/tenancy';
import { ApiError } from '../../errors';
import { audit } from '../audit';
import { defineRoute } from '../route';
import { idempotencyKeyOf } from '../schemas';

const Balance = z
  .object({ balances: z.array(z.object({ currency: z.string().length(3), amountMinor: z.number().int().meta({ description: 'Integer minor units (cents)' }) })) })
  .meta({ id: 'Balance' });

const TopUp = z.object({ id: z.string(), url: z.string().meta({ description: 'Stripe Checkout page to pay the top-up' }) }).meta({ id: 'TopUp' });

export const billingRoutes = [
  defineRoute({
    method: 'get',
    path: '/billing/balance',
    operationId: 'getBalance',
    summary: 'The prepaid balance per currency: the sum of the balance ledger',
    tag: 'Billing',
    access: 'admin',
    response: { schema: Balance, description: 'Balances' },
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, async (trx) => ({ balances: await balancesOf(trx) })),
  }),

  defineRoute({
    method: 'post',
    path: '/billing/top-ups',
    operationId: 'createTopUp',
    summary: 'Start a top-up: a Stripe Checkout page; the balance is credited when Stripe confirms payment (webhook)',
    tag: 'Billing',
    access: 'admin',
    // In the currency prepaid calls are priced in (PREPAID_CURRENCY): a balance in any other would pay for nothing.
    body: z.object({ amountMinor: z.number().int().min(500).max(100_000_00).meta({ description: 'Integer minor units of PREPAID_CURRENCY, e.g. 2000 for $20.00' }) }),
    response: { status: 201, schema: TopUp, description: 'The Checkout session to send the payer to' },
    errors: [503],
    async handle({ auth, body, deps, req }) {
      if (!deps.stripe) throw new ApiError(503, 'billing_off', 'Billing is not configured (STRIPE_SECRET_KEY)');
      const key = idempotencyKeyOf(req);
      const customer = await stripeCustomerOf(deps.db, deps.stripe, auth.orgId);
      const returnTo = deps.config.auth.appUrl ?? deps.config.http.publicBaseUrl;
      const currency = deps.config.prepaid.currency.toLowerCase();
      const session = await deps.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer,
          line_items: [{ quantity: 1, price_data: { currency, unit_amount: body.amountMinor, product_data: { name: 'Callgenly balance top-up' } } }],
          success_url: `${returnTo}/billing?top-up=done`,
          cancel_url: `${returnTo}/billing?top-up=cancelled`,
          metadata: { org_id: auth.orgId, kind: TOP_UP_KIND },
        },
        // The same Idempotency-Key gets the same session (a double click pays once).
        { idempotencyKey: `topup:${auth.orgId}:${key ?? randomUUID()}` },
      );
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'billing.top_up_started', targetType: 'checkout_session', targetId: session.id, metadata: { amountMinor: body.amountMinor, currency } }));
      return { id: session.id, url: session.url ?? '' };
    },
  }),
];
