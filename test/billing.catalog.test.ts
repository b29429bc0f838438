import { startStripeRecorder, type StripeRecorder } from './fakes/stripeRecorder';
import { runCli } from './helpers/cli';
import { stack } from './helpers/stack';

/** `npm run stripe:setup` against stripe-mock, which checks every parameter against Stripe's own API spec. */
let stripe: StripeRecorder;
beforeAll(async () => {
  stripe = await startStripeRecorder(stack.stripeUrl());
});
afterAll(() => stripe.close());

const setup = (...args: string[]) => runCli('stripeSetup', args, { STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: stripe.url });

test('stripe:setup creates the call-seconds meter and the plan prices, with keys that make a rerun create nothing twice', async () => {
  const out = await setup('--base', '4900', '--per-minute', '25');
  expect(out).toMatch(/Billing Meter\s+\w+ +\(event callgenly_call_seconds\)/);
  expect(out).toMatch(/Minutes price\s+price_\w+/);
  const meter = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/billing/meters')!;
  expect(meter.idempotencyKey).toBe('meter:callgenly_call_seconds');
  expect(Object.fromEntries(meter.form)).toMatchObject({
    event_name: 'callgenly_call_seconds',
    'default_aggregation[formula]': 'sum',
    'customer_mapping[event_payload_key]': 'stripe_customer_id',
    'value_settings[event_payload_key]': 'value',
  });
  const prices = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/prices').map((r) => Object.fromEntries(r.form));
  expect(prices).toEqual([
    expect.objectContaining({ lookup_key: 'callgenly_receptionist_base_monthly', unit_amount: '4900', 'recurring[usage_type]': 'licensed' }),
    expect.objectContaining({ lookup_key: 'callgenly_receptionist_minutes', unit_amount: '25', 'recurring[usage_type]': 'metered', 'transform_quantity[divide_by]': '60', 'transform_quantity[round]': 'up' }),
  ]);
  // Prices are looked up by key first: a rerun against a real Stripe finds them (stripe-mock keeps nothing,
  // so here the lookup is what we can check).
  const lookups = stripe.requests.filter((r) => r.method === 'GET' && r.path === '/v1/prices');
  expect(lookups.length).toBeGreaterThan(0);
});

test('stripe:setup without a Stripe key says so and changes nothing', async () => {
  const before = stripe.requests.length;
  await expect(runCli('stripeSetup', [], {})).rejects.toThrow(/STRIPE_SECRET_KEY is required/);
  expect(stripe.requests.length).toBe(before);
});
