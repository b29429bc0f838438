import request from 'supertest';
import { startStripeApi, type StripeApi } from '../helpers/stripeApi';
import { apiKeyFor, makeOrganization } from '../helpers/organizations';

/**
 * Prepaid top-ups: a Checkout session through the real `stripe` SDK (stripe-mock), and the balance
 * credited only by a verified webhook, once, however often Stripe delivers it.
 */
const WEBHOOK_SECRET = 'whsec_test_callgenly';
let api: StripeApi['api'];
let stripe: StripeApi['stripe'];
let harness: StripeApi;

beforeAll(async () => {
  harness = await startStripeApi(WEBHOOK_SECRET);
  ({ api, stripe } = harness);
});
afterAll(() => harness.close());

const event = (type: string, session: Record<string, unknown>) => harness.event(type, { object: 'checkout.session', ...session });
const deliver = (payload: object, options?: { secret?: string; timestamp?: number }) => harness.deliver(payload, options);

test('a top-up opens a Checkout session; the verified webhook credits the balance once', async () => {
  const org = await makeOrganization(api.services);
  const owner = { id: `usr_${Date.now().toString(36).padStart(26, '0')}`, email: `owner.${Date.now()}@topups.test` };
  await api.services.db('users').insert({ ...owner, name: 'Olu' });
  await api.services.db('memberships').insert({ org_id: org.id, user_id: owner.id, role: 'owner' });
  const key = await apiKeyFor(api.services, org.id);
  const admin = (r: request.Test) => r.set('Authorization', `Bearer ${key}`);

  const started = await admin(request(api.app).post('/api/v1/billing/top-ups')).set('Idempotency-Key', 'click-1').send({ amountMinor: 2000 });
  expect(started.status).toBe(201);
  expect(started.body.id).toMatch(/^cs_/);
  const sent = stripe.requests.find((r) => r.path === '/v1/checkout/sessions')!;
  expect(sent.idempotencyKey).toBe(`topup:${org.id}:click-1`);
  expect(Object.fromEntries(sent.form)).toMatchObject({
    mode: 'payment',
    'metadata[org_id]': org.id,
    'metadata[kind]': 'top_up',
    'line_items[0][price_data][unit_amount]': '2000',
    'line_items[0][price_data][currency]': 'usd',
  });

  const sessionId = `cs_test_${Date.now()}`;
  const paid = { id: sessionId, payment_status: 'paid', amount_total: 2000, currency: 'usd', metadata: { org_id: org.id, kind: 'top_up' } };
  const completed = event('checkout.session.completed', paid);
  expect((await deliver(completed)).body).toMatchObject({ outcome: 'credited' });
  expect((await deliver(completed)).body).toMatchObject({ outcome: 'duplicate' }); // Stripe redelivering
  // The same session's later success event (another event id) credits nothing more.
  expect((await deliver(event('checkout.session.async_payment_succeeded', paid))).body).toMatchObject({ outcome: 'nothing to credit' });
  expect((await admin(request(api.app).get('/api/v1/billing/balance'))).body).toEqual({ balances: [{ currency: 'USD', amountMinor: 2000 }] });
  // The owner is told once, with the new balance (written with the credit; delivery is the notification workflow's).
  const notices = await api.services.db('notifications').where({ org_id: org.id, kind: 'billing.top_up_received' });
  expect(notices.map((n) => [n.recipient, n.payload])).toEqual([[owner.email, { amount: { amountMinor: 2000, currency: 'USD' }, balance: { amountMinor: 2000, currency: 'USD' } }]]);

  // An unpaid session (a bank transfer still pending) credits nothing until its success event.
  const pending = { id: `cs_test_pending_${Date.now()}`, payment_status: 'unpaid', amount_total: 5000, currency: 'usd', metadata: { org_id: org.id, kind: 'top_up' } };
  expect((await deliver(event('checkout.session.completed', pending))).body).toMatchObject({ outcome: 'nothing to credit' });
  expect((await deliver(event('checkout.session.async_payment_succeeded', { ...pending, payment_status: 'paid' }))).body).toMatchObject({ outcome: 'credited' });
  expect((await admin(request(api.app).get('/api/v1/billing/balance'))).body).toEqual({ balances: [{ currency: 'USD', amountMinor: 7000 }] });
});

test('a bad or stale signature is refused and changes nothing', async () => {
  const org = await makeOrganization(api.services);
  const paid = event('checkout.session.completed', { id: `cs_test_forged_${Date.now()}`, payment_status: 'paid', amount_total: 100000, currency: 'usd', metadata: { org_id: org.id, kind: 'top_up' } });
  const forged = await deliver(paid, { secret: 'whsec_not_ours' });
  expect([forged.status, forged.body.error.code]).toEqual([400, 'invalid_signature']);
  const stale = await deliver(paid, { timestamp: Math.floor(Date.now() / 1000) - 600 });
  expect([stale.status, stale.body.error.code]).toEqual([400, 'invalid_signature']);
  const unsigned = await request(api.app).post('/stripe/webhook').set('Content-Type', 'application/json').send(JSON.stringify(paid));
  expect(unsigned.status).toBe(400);
  expect(await api.services.db('balance_ledger').where({ org_id: org.id })).toEqual([]);
  expect(await api.services.db('webhook_receipts').where({ source: 'stripe', id: paid.id })).toEqual([]);
});

test('a refunded top-up comes off the balance once per refund, read again from Stripe; a refund of anything else changes nothing', async () => {
  const org = await makeOrganization(api.services);
  const key = await apiKeyFor(api.services, org.id);
  const balance = async () => (await request(api.app).get('/api/v1/billing/balance').set('Authorization', `Bearer ${key}`)).body.balances;
  const paymentIntent = `pi_test_${Date.now()}`;
  const session = { id: `cs_test_refund_${Date.now()}`, payment_status: 'paid', payment_intent: paymentIntent, amount_total: 3000, currency: 'usd', metadata: { org_id: org.id, kind: 'top_up' } };
  expect((await deliver(event('checkout.session.completed', session))).body).toMatchObject({ outcome: 'credited' });

  const chargeId = `ch_test_${Date.now()}`;
  const refund = (id: string, amount: number) => ({ id, object: 'refund', amount, currency: 'usd', status: 'succeeded', charge: chargeId, payment_intent: paymentIntent });
  stripe.setObject(`/v1/charges/${chargeId}`, { payment_intent: paymentIntent, amount_refunded: 1000 });
  stripe.setObject('/v1/refunds', { data: [refund('re_test_first', 1000)], has_more: false });
  const refunded = { id: `evt_test_refund_${Date.now()}`, object: 'event', type: 'charge.refunded', api_version: '2026-10-28', created: Math.floor(Date.now() / 1000), data: { object: { id: chargeId, object: 'charge' } } };
  expect((await deliver(refunded)).body).toMatchObject({ outcome: 'refunded' });
  expect((await deliver(refunded)).body).toMatchObject({ outcome: 'duplicate' });
  expect(await balance()).toEqual([{ currency: 'USD', amountMinor: 2000 }]);

  // A second partial refund: the charge's next event brings both; only the new one comes off.
  stripe.setObject('/v1/refunds', { data: [refund('re_test_second', 500), refund('re_test_first', 1000)], has_more: false });
  expect((await deliver({ ...refunded, id: `${refunded.id}_2` })).body).toMatchObject({ outcome: 'refunded' });
  expect(await balance()).toEqual([{ currency: 'USD', amountMinor: 1500 }]);
  const rows = await api.services.db('balance_ledger').where({ org_id: org.id, kind: 'refund' }).orderBy('id').select('amount_minor', 'idempotency_key');
  expect(rows).toEqual([
    { amount_minor: '-1000', idempotency_key: 'refund:re_test_first' },
    { amount_minor: '-500', idempotency_key: 'refund:re_test_second' },
  ]);

  const otherCharge = `ch_test_other_${Date.now()}`;
  stripe.setObject(`/v1/charges/${otherCharge}`, { payment_intent: 'pi_not_a_top_up' });
  expect((await deliver({ ...refunded, id: `${refunded.id}_3`, data: { object: { id: otherCharge, object: 'charge' } } })).body).toMatchObject({ outcome: 'not a top-up' });
});
