import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { runCli } from '../helpers/cli';
import { stack } from '../helpers/stack';

/** `npm run stripe:setup` against stripe-mock, which checks every parameter against Stripe's own API spec. */
let stripe: StripeRecorder;
beforeAll(async () => {
  stripe = await startStripeRecorder(stack.stripeUrl());
});
afterAll(() => stripe.close());

const setup = (...args: string[]) => runCli('stripeSetup', args, { STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: stripe.url });

test('stripe:setup creates the call-seconds meter and the plan prices, with keys that make a rerun create nothing twice', async () => {
  const out = await setup('--base', '4900', '--included-minutes', '300', '--per-minute', '25');
  expect(out).toMatch(/Billing Meter\s+\w+ +\(event callgenly_call_seconds\)/);
  expect(out).toMatch(/^STRIPE_BASE_PRICE_ID=price_\w+$/m);
  expect(out).toMatch(/^STRIPE_USAGE_PRICE_ID=price_\w+$/m);
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
    // The meter sums seconds: the first 300 minutes' worth are free, then each second costs 25/60 of a cent.
    expect.objectContaining({
      lookup_key: 'callgenly_receptionist_minutes',
      'recurring[usage_type]': 'metered',
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      'tiers[0][up_to]': '18000',
      'tiers[0][unit_amount]': '0',
      'tiers[1][up_to]': 'inf',
      'tiers[1][unit_amount_decimal]': '0.416666666667',
    }),
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
