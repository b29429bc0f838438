import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LedgerPage, Money, TransactionList, transactionsPage } from '../../billing/api/transactions';
import { LEARNER_TOP_UP_KIND, learnerBalance } from '../../billing/learnerBalances';
import type { Tx } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { idempotencyKeyOf } from '../../platform/http/v1/schemas';
import { requireCoachingOrganization } from '../organizations';
import { coachSettingsOf } from '../settings';
import { topUpUrl } from '../links';
import { ownLearner } from './ownLearner';

/**
 * Each learner's own prepaid balance, in the coaching organization's currency: topped up through Stripe
 * Checkout in the organization's name, debited per started minute of each practice call. A learner sees
 * their own; staff see any learner's.
 */
const LearnerBalance = z
  .object({ balance: Money, pricePerMinute: Money, minutesPaidFor: z.number().int().meta({ description: 'Whole minutes of practice the balance pays for' }) })
  .meta({ id: 'LearnerBalance' });

async function balanceOf(trx: Tx, deps: V1Deps, orgId: string, userId: string): Promise<z.input<typeof LearnerBalance>> {
  await requireCoachingOrganization(trx, orgId, 'Balances belong to learners of coaching organizations');
  if (!(await trx('learners').where({ user_id: userId }).first('user_id'))) throw new ApiError(404, 'not_found', 'No such learner');
  const settings = await coachSettingsOf(trx, orgId, deps.config);
  const balance = await learnerBalance(trx, orgId, userId, settings.currency);
  return { balance, pricePerMinute: { amountMinor: settings.price_per_minute_minor, currency: settings.currency }, minutesPaidFor: Math.max(0, Math.floor(balance.amountMinor / settings.price_per_minute_minor)) };
}

export const balanceRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/learner/balance',
    operationId: 'getMyBalance',
    summary: 'Your practice balance, the price of a minute, and how many minutes it pays for',
    tag: 'Coaching',
    access: 'learner',
    response: { schema: LearnerBalance, description: 'Your balance' },
    errors: [404],
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, (trx) => balanceOf(trx, deps, auth.orgId, ownLearner(auth))),
  }),

  defineRoute({
    method: 'get',
    path: '/me/learner/transactions',
    operationId: 'listMyTransactions',
    summary: 'Your balance history, newest first: top-ups, practice-call debits, refunds',
    tag: 'Coaching',
    access: 'learner',
    query: LedgerPage,
    response: { schema: TransactionList, description: 'Transactions' },
    errors: [404],
    handle: ({ auth, deps, query }) => withTenant(deps.db, auth.orgId, (trx) => transactionsPage(trx, auth.orgId, ownLearner(auth), query)),
  }),

  defineRoute({
    method: 'get',
    path: '/learners/{userId}/balance',
    operationId: 'getLearnerBalance',
    summary: "A learner's balance and its history (staff)",
    tag: 'Coaching',
    access: 'member',
    params: z.object({ userId: z.string().max(64) }),
    query: LedgerPage,
    response: { schema: LearnerBalance.extend({ transactions: TransactionList }).meta({ id: 'LearnerBalanceWithHistory' }), description: 'The balance and transactions' },
    errors: [404],
    handle: ({ auth, deps, params, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => ({ ...(await balanceOf(trx, deps, auth.orgId, params.userId)), transactions: await transactionsPage(trx, auth.orgId, params.userId, query) })),
  }),

  defineRoute({
    method: 'post',
    path: '/me/learner/top-ups',
    operationId: 'createMyTopUp',
    summary: 'Top up your practice balance: a Stripe Checkout page in the organization\'s name; credited when Stripe confirms payment',
    tag: 'Coaching',
    access: 'learner',
    body: z.object({ amountMinor: z.number().int().min(500).max(500_00).meta({ description: "Integer minor units of the organization's currency, e.g. 2000 for 20.00" }) }),
    response: { status: 201, schema: z.object({ id: z.string(), url: z.string() }).meta({ id: 'LearnerTopUp' }), description: 'The Checkout session to go to' },
    errors: [404, 503],
    async handle({ auth, body, deps, req }) {
      const userId = ownLearner(auth);
      if (!deps.stripe) throw new ApiError(503, 'billing_off', 'Payments are not configured (STRIPE_SECRET_KEY)');
      const { org, settings, email } = await withTenant(deps.db, auth.orgId, async (trx) => {
        const org = await requireCoachingOrganization(trx, auth.orgId, 'Balances belong to learners of coaching organizations');
        const email = (await trx('users').where({ id: userId }).first('email'))?.email as string;
        return { org, settings: await coachSettingsOf(trx, auth.orgId, deps.config), email };
      });
      const returnTo = topUpUrl(deps.config);
      const session = await deps.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer_email: email,
          line_items: [{ quantity: 1, price_data: { currency: settings.currency.toLowerCase(), unit_amount: body.amountMinor, product_data: { name: `${org.name}: English practice balance` } } }],
          success_url: `${returnTo}?top-up=done`,
          cancel_url: `${returnTo}?top-up=cancelled`,
          metadata: { org_id: auth.orgId, kind: LEARNER_TOP_UP_KIND, user_id: userId },
          payment_intent_data: { description: `${org.name}: English practice balance`, metadata: { org_id: auth.orgId, user_id: userId } },
        },
        { idempotencyKey: `learner-topup:${auth.orgId}:${userId}:${idempotencyKeyOf(req) ?? randomUUID()}` },
      );
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'coaching.top_up_started', targetType: 'checkout_session', targetId: session.id, metadata: { amountMinor: body.amountMinor, currency: settings.currency } }));
      return { id: session.id, url: session.url ?? '' };
    },
  }),
];
