import request from 'supertest';
import { Browser, randomIp } from '../helpers/api';
import { startStripeApi, type StripeApi } from '../helpers/stripeApi';

/**
 * The card invoices are charged to: a Stripe Checkout session in setup mode through the real SDK
 * (stripe-mock behind a recorder), then Stripe's signed `setup_intent.succeeded` makes its payment method
 * the customer's and the subscription's default. And the billing page's usage, day by day.
 */
let api: StripeApi['api'];
let stripe: StripeApi['stripe'];
let harness: StripeApi;

beforeAll(async () => {
  harness = await startStripeApi('whsec_test_payment_method');
  ({ api, stripe } = harness);
});
afterAll(() => harness.close());

let n = 0;
const deliver = (type: string, object: Record<string, unknown>, id = `evt_pm_${Date.now()}_${n++}`) => harness.deliver(harness.event(type, object, id));

test('an owner gives a card through Checkout in setup mode; only a succeeded intent we started, on our customer, makes it the default, once', async () => {
  const owner = new Browser(api.app, randomIp());
  const { organization, user } = await owner.signUp({ timeZone: 'Europe/London' });
  const orgId = organization.id;
  expect((await owner.get('/api/v1/billing')).body.paymentMethod).toBeNull();

  const started = await owner.post('/api/v1/billing/payment-method').set('Idempotency-Key', 'card-click-1');
  expect(started.status).toBe(201);
  expect(started.body.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
  const sent = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)!;
  expect(sent.idempotencyKey).toBe(`payment-method:${orgId}:card-click-1`);
  const { stripe_customer_id: customer } = await api.services.db('organizations').where({ id: orgId }).first('stripe_customer_id');
  expect(Object.fromEntries(sent.form)).toMatchObject({
    mode: 'setup',
    customer,
    currency: 'usd',
    'setup_intent_data[metadata][org_id]': orgId,
    'setup_intent_data[metadata][kind]': 'payment_method',
    'setup_intent_data[metadata][started_by]': user.id,
  });
  expect(sent.form.get('success_url')).toMatch(/\/billing\?payment-method=done$/);
  expect(sent.form.has('line_items[0][price_data][unit_amount]')).toBe(false); // nothing is charged

  // A member may not; the session's own completion credits nothing.
  expect((await request(api.app).post('/api/v1/billing/payment-method')).status).toBe(401);
  const session = await deliver('checkout.session.completed', { object: 'checkout.session', id: 'cs_setup_1', mode: 'setup', payment_status: 'no_payment_required', amount_total: null, currency: null, setup_intent: 'seti_1', metadata: { org_id: orgId, kind: 'payment_method' } });
  expect(session.body.outcome).toMatch(/^setup session/);
  expect(await api.services.db('balance_ledger').where({ org_id: orgId }).count({ n: '*' }).first()).toEqual({ n: '0' });

  const intent = { object: 'setup_intent', id: 'seti_1', status: 'succeeded', payment_method: 'pm_card_mastercard', customer, metadata: { org_id: orgId, kind: 'payment_method', started_by: user.id } };
  const before = stripe.requests.length;
  expect((await deliver('setup_intent.succeeded', { ...intent, status: 'processing' })).body.outcome).toBe('setup processing');
  expect((await deliver('setup_intent.succeeded', { ...intent, metadata: { org_id: orgId } })).body.outcome).toBe('not a payment method setup');
  expect((await deliver('setup_intent.succeeded', { ...intent, customer: 'cus_not_theirs' })).body.outcome).toBe('not our customer');
  expect(stripe.requests.length).toBe(before); // none of those asked Stripe for anything

  // With a subscription running, it becomes the subscription's default too.
  await api.services.db('organizations').where({ id: orgId }).update({ stripe_subscription_id: 'sub_pm_test' });
  const saved = await deliver('setup_intent.succeeded', intent, 'evt_pm_saved');
  expect(saved.body.outcome).toBe('payment method saved');
  const calls = stripe.requests.slice(before).map((r) => `${r.method} ${r.path}`);
  expect(calls).toEqual(['GET /v1/payment_methods/pm_card_mastercard', `POST /v1/customers/${customer}`, 'POST /v1/subscriptions/sub_pm_test']);
  expect(stripe.requests.find((r) => r.path === `/v1/customers/${customer}`)!.form.get('invoice_settings[default_payment_method]')).toBe('pm_card_mastercard');
  expect(stripe.requests.find((r) => r.path === '/v1/subscriptions/sub_pm_test')!.form.get('default_payment_method')).toBe('pm_card_mastercard');
  const billing = (await owner.get('/api/v1/billing')).body;
  expect(billing.paymentMethod.label).toMatch(/^\w[\w ]* •••• \d{4}, expires \d{1,2}\/\d{4}$/);
  // Stripe delivering it again changes nothing.
  expect((await deliver('setup_intent.succeeded', intent, 'evt_pm_saved')).body).toEqual({ received: true, outcome: 'duplicate' });
  const audited = await api.services.db('audit_log').where({ org_id: orgId }).whereIn('action', ['billing.payment_method_setup_started', 'billing.payment_method_added']).orderBy('id').select('action', 'actor_type', 'metadata');
  expect(audited).toMatchObject([
    { action: 'billing.payment_method_setup_started', actor_type: 'user' },
    { action: 'billing.payment_method_added', actor_type: 'webhook', metadata: { startedBy: user.id, setupIntent: 'seti_1' } },
  ]);
});

test("the usage lists every day of the range in the organization's time zone, empty days as zero, and draws them", async () => {
  const owner = new Browser(api.app, randomIp());
  const { organization } = await owner.signUp({ timeZone: 'America/Los_Angeles' });
  const row = (id: string, at: string, seconds: number) => ({ id, org_id: organization.id, idempotency_key: `usage:${id}`, call_sid: `CA${id}`, billable_seconds: seconds, occurred_at: at, created_at: at });
  // 23:30 in Los Angeles on 3 March is 07:30 UTC on 4 March: it counts on the 3rd.
  await api.services.db('usage_records').insert([row(`use_a_${organization.id}`, '2026-03-04T07:30:00Z', 61), row(`use_b_${organization.id}`, '2026-03-04T08:30:00Z', 30), row(`use_c_${organization.id}`, '2026-03-06T20:00:00Z', 120)]);
  const usage = await owner.get('/api/v1/billing/usage?from=2026-03-03T08:00:00Z&to=2026-03-07T08:00:00Z');
  expect(usage.status).toBe(200);
  expect(usage.body).toMatchObject({ calls: 3, billableSeconds: 211, minutes: 4 });
  expect(usage.body.series).toEqual({
    unit: 'day',
    timeZone: 'America/Los_Angeles',
    points: [
      { period: '2026-03-03', calls: 1, minutes: 2 },
      { period: '2026-03-04', calls: 1, minutes: 1 },
      { period: '2026-03-05', calls: 0, minutes: 0 },
      { period: '2026-03-06', calls: 1, minutes: 2 },
    ],
  });
  expect(usage.body.chart).toMatch(/^<svg[\s\S]*Minutes and calls per day[\s\S]*<\/svg>$/);
  const year = await owner.get('/api/v1/billing/usage?from=2026-01-01T08:00:00Z&to=2026-07-01T07:00:00Z');
  expect(year.body.series.unit).toBe('month');
  expect(year.body.series.points.map((p: { period: string }) => p.period)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
  expect(year.body.series.points[2]).toEqual({ period: '2026-03', calls: 3, minutes: 4 });
});
