import { startStripeApi, type StripeApi } from '../helpers/stripeApi';

/** Stripe always hears back in time: an event whose work is stuck (Stripe's API not answering) gets 503 by the deadline. */
let harness: StripeApi;
beforeAll(async () => {
  harness = await startStripeApi('whsec_test_deadline', { WEBHOOK_DEADLINE_MS: '1000' });
});
afterAll(() => harness.close());

test('an event whose work outlasts the deadline is answered 503 in time; the work finishes, and Stripe\'s retry finds it done', async () => {
  const hold = harness.stripe.holdNext('/v1/charges/');
  const event = harness.event('charge.refunded', { id: 'ch_deadline_test', object: 'charge' });
  const started = Date.now();
  const late = await harness.deliver(event);
  const waited = Date.now() - started;
  expect([late.status, late.body.error.code, late.headers['retry-after']]).toEqual([503, 'try_again', '60']);
  expect(waited).toBeLessThan(5_000); // the deadline is 1 s; never the minutes a stuck request could take
  await hold.arrived;
  hold.release();
  // The work goes on and commits its receipt: Stripe's retry is a duplicate, handled once.
  let again = await harness.deliver(event);
  for (let i = 0; i < 50 && again.body.outcome !== 'duplicate'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    again = await harness.deliver(event);
  }
  expect(again.body).toEqual({ received: true, outcome: 'duplicate' });
  expect(await harness.api.services.db('webhook_receipts').where({ source: 'stripe', id: (event as { id: string }).id })).toHaveLength(1);
});
