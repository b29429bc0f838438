import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { stripeCustomerOf } from '../../src/billing/customers';
import { claimUsageBatches } from '../../src/billing/usageBatches';
import { withTenant } from '../../src/platform/db/tenancy';
import { callWorkflowId } from '../../workflows/calls/definitions';
import { until } from '../helpers/booking';
import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { recordFirstCompleted, recordHistory } from '../helpers/histories';
import { makeOrganization } from '../helpers/organizations';
import { stack as servers } from '../helpers/stack';

/**
 * A call's usage reaches Stripe once: one ledger row, in one batch whose Billing Meter event (identifier and
 * idempotency key: the batch's id) carries its seconds, through the real `stripe` SDK against stripe-mock,
 * whatever is retried or repeated. Batches of many calls: test/billing/usageBatches.test.ts.
 */
let stack: CallStack;
let stripe: StripeRecorder;

beforeAll(async () => {
  stripe = await startStripeRecorder(servers.stripeUrl());
  stack = await startCallStack({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: stripe.url, PREPAID_LOW_BALANCE_MINOR: '1980', USAGE_CATCH_UP_INTERVAL_MS: '1000' });
});
afterAll(async () => {
  await stack.close();
  await stripe.close();
});

const meterEvents = (identifier: string) => stripe.requests.filter((r) => r.path === '/v1/billing/meter_events' && r.form.get('identifier') === identifier);
const allMeterEvents = () => stripe.requests.filter((r) => r.path === '/v1/billing/meter_events');
const usageRow = (callSid: string) => stack.services.db('usage_records').where({ call_sid: callSid }).first();

async function aCall(seconds: number) {
  const call = stack.call();
  await call.dial();
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye!' });
  await call.say('Just checking you are open. Bye!');
  stack.llm.scriptJson({ content: JSON.stringify({ intents: ['ask_question'], entities: { callerName: null, callbackNumber: null, service: null, requestedTime: null }, summary: 'Asked if open.' }) });
  await call.status('completed', seconds);
  return call;
}

test('a finished call is one ledger row and one meter event, though Stripe failed the first attempt and the status came twice', async () => {
  stripe.failNext('/v1/billing/meter_events', 3); // the SDK's own two retries fail too: the activity retries
  const call = await aCall(125);
  await call.status('completed', 125); // Twilio repeating the status callback
  expect(await stack.result(call)).toMatchObject({ status: 'completed' });

  const ledger = await stack.services.db('usage_records').where({ call_sid: call.callSid });
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ idempotency_key: `usage:${call.callSid}`, billable_seconds: 125 });
  expect(ledger[0].reported_at).not.toBeNull();
  // The call's batch: claimed by the first attempt, reported by the retry as it was claimed.
  const batch = await stack.services.db('usage_batches').where({ id: ledger[0].batch_id }).first();
  expect(batch).toMatchObject({ org_id: stack.org.id, calls: 1, billable_seconds: '125' });
  expect(batch.reported_at).not.toBeNull();

  // Every attempt sent the same event under the same keys; Stripe counts an identifier once.
  const attempts = meterEvents(batch.id);
  expect(attempts.length).toBe(4);
  expect(allMeterEvents()).toHaveLength(4);
  const customers = stripe.requests.filter((r) => r.path === '/v1/customers' && r.method === 'POST');
  const customerId = (await stack.services.db('organizations').where({ id: stack.org.id }).first('stripe_customer_id')).stripe_customer_id;
  expect(customerId).toMatch(/^cus_/);
  for (const attempt of attempts) {
    expect(attempt.idempotencyKey).toBe(batch.id);
    expect(Object.fromEntries(attempt.form)).toMatchObject({
      event_name: 'callgenly_call_seconds',
      'payload[stripe_customer_id]': customerId,
      'payload[value]': '125',
      timestamp: String(Math.floor(new Date(ledger[0].occurred_at).getTime() / 1000)),
    });
  }
  expect(customers.map((c) => c.idempotencyKey)).toEqual([`customer:${stack.org.id}`]);
  await recordHistory(stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)), 'call-usage-reported');
});

test('a lone call is reported at once, in a batch of its own on the same customer; running the report again sends nothing', async () => {
  const call = await aCall(30);
  expect(await stack.result(call)).toMatchObject({ status: 'completed' });
  const row = await usageRow(call.callSid);
  // Nothing waits for company: the report follows the call's finalization within moments.
  expect(row.reported_at.getTime() - row.created_at.getTime()).toBeLessThan(3_000);
  expect(meterEvents(row.batch_id).map((e) => e.form.get('payload[value]'))).toEqual(['30']);
  expect(stripe.requests.filter((r) => r.path === '/v1/customers' && r.method === 'POST')).toHaveLength(1);
  const before = stripe.requests.length;
  const { billCallUsage } = (await import('../../activities/billing/usage')).createBillingActivities(stack.services);
  expect(await billCallUsage({ orgId: stack.org.id, callSid: call.callSid })).toBe('already');
  expect(stripe.requests.length).toBe(before);
});

test('a prepaid organization pays per started minute from its balance, hears when it runs low, and at zero no call starts', async () => {
  const db = stack.services.db;
  const owner = { id: `usr_${randomBytes(13).toString('hex').slice(0, 26)}`, email: `owner.${randomBytes(3).toString('hex')}@prepaid.test` };
  await db('users').insert({ ...owner, name: 'Pat' });
  await db('memberships').insert({ org_id: stack.org.id, user_id: owner.id, role: 'owner' });
  await db('organizations').where({ id: stack.org.id }).update({ billing_mode: 'prepaid' });
  await db('balance_ledger').insert({ org_id: stack.org.id, kind: 'top_up', amount_minor: 2000, currency: 'USD', idempotency_key: `topup:test-${randomBytes(4).toString('hex')}` });
  const ledger = () => db('balance_ledger').where({ org_id: stack.org.id }).orderBy('id').select('kind', 'amount_minor', 'idempotency_key');
  const lowNotices = () => db('notifications').where({ org_id: stack.org.id, kind: 'billing.low_balance' });

  const metered = allMeterEvents().length;
  const first = await aCall(125); // 3 started minutes at 10 cents
  expect(await stack.result(first)).toMatchObject({ status: 'completed' });
  await until(async () => (await ledger()).length === 2, 10_000);
  expect((await ledger())[1]).toMatchObject({ kind: 'call_debit', amount_minor: '-30', idempotency_key: `debit:${first.callSid}` });
  // Prepaid usage is not metered in Stripe: no batch, no meter event.
  expect(await usageRow(first.callSid)).toMatchObject({ batch_id: null });
  expect(allMeterEvents()).toHaveLength(metered);
  expect((await lowNotices()).map((n) => [n.recipient, n.payload.balance])).toEqual([[owner.email, { currency: 'USD', amountMinor: 1970 }]]);

  const second = await aCall(30);
  expect(await stack.result(second)).toMatchObject({ status: 'completed' });
  await until(async () => (await ledger()).length === 3, 10_000);
  expect(await lowNotices()).toHaveLength(1); // told when it crossed the line, not again on every call

  await db('balance_ledger').insert({ org_id: stack.org.id, kind: 'adjustment', amount_minor: -1960, currency: 'USD', idempotency_key: `adjust:test-${randomBytes(4).toString('hex')}` });
  const refused = stack.call();
  expect(await refused.dial()).toContain('paused until the account is topped up');
  await expect(stack.services.temporal.workflow.getHandle(callWorkflowId(refused.callSid)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test('usage a call workflow left unbilled (it ended before billing existed) is billed by the hourly catch-up', async () => {
  const db = stack.services.db;
  await db('organizations').where({ id: stack.org.id }).update({ billing_mode: 'prepaid' });
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  await db('usage_records').insert({ id: `use_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: stack.org.id, idempotency_key: `usage:${callSid}`, call_sid: callSid, billable_seconds: 61, occurred_at: new Date(Date.now() - 2 * 86_400_000) });
  await until(async () => (await db('usage_records').where({ call_sid: callSid }).first()).reported_at !== null, 15_000);
  expect(await db('balance_ledger').where({ idempotency_key: `debit:${callSid}` }).first('amount_minor')).toEqual({ amount_minor: '-20' });
  // The run that billed it is an ordinary workflow in the UI; keep one for the replay test.
  await recordFirstCompleted(stack.services.temporal, `WorkflowType = 'usageCatchUpWorkflow' AND TaskQueue = '${stack.services.config.temporal.taskQueue}'`, 'usage-catch-up');
});

test("the hourly catch-up reports a subscription's old usage in batches, an hour at a time, and re-sends a batch whose reporter gave up as it was", async () => {
  const { services } = stack;
  const org = await makeOrganization(services);
  const customer = await stripeCustomerOf(services.db, services.stripe!, org.id);
  const old = (hoursAgo: number, seconds: number) => {
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const at = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - hoursAgo * 3_600_000 + 60_000);
    return services.db('usage_records').insert({ id: `use_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: org.id, idempotency_key: `usage:${callSid}`, call_sid: callSid, billable_seconds: seconds, occurred_at: at }).then(() => callSid);
  };
  // Two calls of one hour two days ago, claimed into a batch whose reporter then gave up; one of another hour, never claimed.
  const [a, b, c] = [await old(48, 40), await old(48, 50), await old(72, 70)];
  const orphan = await withTenant(services.db, org.id, (trx) => claimUsageBatches(trx, { orgId: org.id, members: [{ key: `usage:${a}`, takeOver: false }], maxCalls: 500 }));
  expect(orphan.batches.map((x) => x.keys.sort())).toEqual([[`usage:${a}`, `usage:${b}`].sort()]);

  await until(async () => (await services.db('usage_records').where({ org_id: org.id }).whereNull('reported_at')).length === 0, 15_000);
  const rows = await services.db('usage_records').where({ org_id: org.id });
  expect(rows.find((r) => r.call_sid === b).batch_id).toBe(orphan.batches[0]!.id);
  expect(new Set(rows.map((r) => r.batch_id)).size).toBe(2);
  // What Stripe saw for this customer: each batch under its own identifier (key and value as claimed), 160 s in all.
  const events = new Map(allMeterEvents().filter((e) => e.form.get('payload[stripe_customer_id]') === customer).map((e) => [e.form.get('identifier'), e]));
  expect([...events.keys()].sort()).toEqual([...new Set(rows.map((r) => r.batch_id))].sort());
  expect(events.get(orphan.batches[0]!.id)).toMatchObject({ idempotencyKey: orphan.batches[0]!.id });
  expect(Object.fromEntries(events.get(orphan.batches[0]!.id)!.form)).toMatchObject({ 'payload[value]': '90', timestamp: String(Math.floor(orphan.batches[0]!.eventAt.getTime() / 1000)) });
  expect([...events.values()].reduce((sum, e) => sum + Number(e.form.get('payload[value]')), 0)).toBe(160);
  expect(rows.find((r) => r.call_sid === c).reported_at).not.toBeNull();
});
