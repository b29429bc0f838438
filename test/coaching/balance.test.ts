import Stripe from 'stripe';
import request from 'supertest';
import type { Express } from 'express';
import type { Services } from '../../src/services';
import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';
import { stack as servers } from '../helpers/stack';

/**
 * Each learner's own balance: a top-up through Stripe Checkout (the real SDK against stripe-mock) in the
 * coaching organization's name, credited to that learner alone by the verified webhook, once; refunds come
 * off it; the learner sees their balance and history, staff see any learner's, the organization's own
 * balance is apart, and nobody else sees anything.
 */
const WEBHOOK_SECRET = 'whsec_test_callgenly';
let api: { services: Services; app: Express; close(): Promise<void> };
let stripe: StripeRecorder;
beforeAll(async () => {
  stripe = await startStripeRecorder(servers.stripeUrl());
  api = await startApi({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: stripe.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, AUTH_RATE_LIMIT_PER_IP: '1000', COACH_PRICE_PER_MINUTE_MINOR: '25' });
});
afterAll(async () => {
  await api.close();
  await stripe.close();
});

let counter = 0;
const event = (type: string, object: Record<string, unknown>) => ({ id: `evt_test_learner_${Date.now()}_${counter++}`, object: 'event', type, api_version: '2026-10-28', created: Math.floor(Date.now() / 1000), data: { object } });
function deliver(payload: object) {
  const body = JSON.stringify(payload);
  return request(api.app).post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET })).send(body);
}

async function coachingOrganizationWithLearner() {
  const owner = new Browser(api.app, randomIp());
  owner.remember(await owner.post('/api/v1/auth/signup', { ageConfirmed: true, email: uniqueEmail('owner'), password: PASSWORD, name: 'Selin', organization: { name: 'Speak Up English', timeZone: 'Europe/Istanbul', product: 'coach' } }));
  const orgId = owner.info!.organization.id;
  const version = (await request(api.app).get(`/api/v1/coaching/organizations/${orgId}/consent-text`)).body.version;
  const learner = new Browser(api.app, randomIp());
  const res = await learner.post('/api/v1/coaching/signup', { ageConfirmed: true, organizationId: orgId, email: uniqueEmail('learner'), password: PASSWORD, name: 'Deniz Kaya', phone: '+905321234567', timeZone: 'Europe/Istanbul', nativeLanguage: 'Turkish', consent: { agreed: true, version } });
  learner.remember(res);
  return { owner, orgId, learner, userId: res.body.user.id as string };
}

test("a learner tops up through Checkout in the organization's name; the webhook credits them alone, once; a refund comes off", async () => {
  const { owner, orgId, learner, userId } = await coachingOrganizationWithLearner();
  expect((await learner.get('/api/v1/me/learner/balance')).body).toEqual({ balance: { amountMinor: 0, currency: 'USD' }, pricePerMinute: { amountMinor: 25, currency: 'USD' }, minutesPaidFor: 0 });

  const started = await learner.post('/api/v1/me/learner/top-ups', { amountMinor: 2000 });
  expect(started.status).toBe(201);
  const sent = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)!;
  expect(Object.fromEntries(sent.form)).toMatchObject({
    mode: 'payment',
    'metadata[org_id]': orgId,
    'metadata[kind]': 'learner_top_up',
    'metadata[user_id]': userId,
    'line_items[0][price_data][unit_amount]': '2000',
    'line_items[0][price_data][product_data][name]': 'Speak Up English: English practice balance',
  });
  expect(JSON.stringify(Object.fromEntries(sent.form))).not.toContain('Callgenly');

  const paymentIntent = `pi_test_learner_${Date.now()}`;
  const session = { object: 'checkout.session', id: `cs_test_learner_${Date.now()}`, payment_status: 'paid', payment_intent: paymentIntent, amount_total: 2000, currency: 'usd', metadata: { org_id: orgId, kind: 'learner_top_up', user_id: userId } };
  const paid = event('checkout.session.completed', session);
  expect((await deliver(paid)).body).toMatchObject({ outcome: 'credited' });
  expect((await deliver(paid)).body).toMatchObject({ outcome: 'duplicate' });
  expect((await deliver(event('checkout.session.async_payment_succeeded', session))).body).toMatchObject({ outcome: 'nothing to credit' });
  expect((await learner.get('/api/v1/me/learner/balance')).body).toMatchObject({ balance: { amountMinor: 2000 }, minutesPaidFor: 80 });
  // The organization's own prepaid balance is not the learner's.
  expect((await owner.get('/api/v1/billing/balance')).body).toEqual({ balances: [] });
  // The learner is told, in the organization's name.
  const notice = await api.services.db('notifications').where({ org_id: orgId, kind: 'coaching.top_up_received' }).first();
  expect(notice).toMatchObject({ user_id: userId, payload: { amount: { amountMinor: 2000, currency: 'USD' }, balance: { amountMinor: 2000, currency: 'USD' } } });

  const chargeId = `ch_test_learner_${Date.now()}`;
  stripe.setObject(`/v1/charges/${chargeId}`, { payment_intent: paymentIntent, amount_refunded: 500 });
  stripe.setObject('/v1/refunds', { data: [{ id: `re_test_learner_${Date.now()}`, object: 'refund', amount: 500, currency: 'usd', status: 'succeeded', charge: chargeId, payment_intent: paymentIntent }], has_more: false });
  expect((await deliver(event('charge.refunded', { id: chargeId, object: 'charge' }))).body).toMatchObject({ outcome: 'refunded' });
  expect((await learner.get('/api/v1/me/learner/balance')).body.balance.amountMinor).toBe(1500);
  expect(await api.services.db('notifications').where({ org_id: orgId, kind: 'coaching.balance_refunded', user_id: userId }).first()).toBeTruthy();

  const history = await learner.get('/api/v1/me/learner/transactions');
  expect(history.body.data.map((t: { kind: string; amount: { amountMinor: number } }) => [t.kind, t.amount.amountMinor])).toEqual([
    ['refund', -500],
    ['top_up', 2000],
  ]);
  const staff = await owner.get(`/api/v1/learners/${userId}/balance`);
  expect(staff.body).toMatchObject({ balance: { amountMinor: 1500 }, transactions: { data: [expect.objectContaining({ kind: 'refund' }), expect.objectContaining({ kind: 'top_up' })] } });

  // Entries the retention sweep purged ten years on leave their total behind, and the history still reads.
  await api.services.db('balance_ledger').insert({ org_id: orgId, user_id: userId, kind: 'carried_forward', amount_minor: 300, currency: 'USD', idempotency_key: `carried-forward:test:${userId}`, created_at: new Date('2016-01-01T00:00:00Z') });
  const carried = await learner.get('/api/v1/me/learner/transactions');
  expect(carried.status).toBe(200);
  expect(carried.body.data).toContainEqual(expect.objectContaining({ kind: 'carried_forward', amount: { amountMinor: 300, currency: 'USD' } }));
});

test("a top-up naming someone who is not that organization's learner credits nobody; other organizations see no learner's balance", async () => {
  const a = await coachingOrganizationWithLearner();
  const b = await coachingOrganizationWithLearner();
  // B's learner id in A's organization: not A's learner.
  const forged = event('checkout.session.completed', { object: 'checkout.session', id: `cs_test_cross_${Date.now()}`, payment_status: 'paid', amount_total: 99900, currency: 'usd', metadata: { org_id: a.orgId, kind: 'learner_top_up', user_id: b.userId } });
  expect((await deliver(forged)).body).toMatchObject({ outcome: 'nothing to credit' });
  expect(await api.services.db('balance_ledger').where({ org_id: a.orgId })).toEqual([]);
  expect((await a.owner.get(`/api/v1/learners/${b.userId}/balance`)).status).toBe(404);
  // Staff only: a learner cannot read another's, nor top up as staff.
  expect((await a.learner.get(`/api/v1/learners/${a.userId}/balance`)).status).toBe(403);
  expect((await a.owner.post('/api/v1/me/learner/top-ups', { amountMinor: 2000 })).status).toBe(404);
  expect((await a.learner.post('/api/v1/me/learner/top-ups', { amountMinor: 5 })).status).toBe(400);
});
