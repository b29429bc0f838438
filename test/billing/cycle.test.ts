import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import Stripe from 'stripe';
import request from 'supertest';
import { billingWorkflowId, cancelBillingSignal, periodUsageQuery, type BillingCycleInput } from '../../workflows/billing/definitions';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { BillingStatus } from '../../workflows/billing/definitions';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { Browser, randomIp, startApi } from '../helpers/api';
import { until } from '../helpers/booking';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { recordRun } from '../helpers/histories';
import { makeOrganization, randomPhone } from '../helpers/organizations';
import { stack as servers } from '../helpers/stack';

/**
 * The billing cycle `billing:<orgId>` on the real Temporal server and PostgreSQL, Stripe through the real
 * SDK against stripe-mock (with the recorder giving invoices and subscriptions the state each test needs),
 * webhooks signed as Stripe signs them. Periods last seconds here (BILLING_PERIOD_MS).
 */
const WEBHOOK_SECRET = 'whsec_test_cycle';
const PERIOD_MS = 12_000;
let stack: CallStack;
let stripe: StripeRecorder;
let smtp: FakeSmtp;
/** The admin API and the webhook over plain http (the call stack's public URL is https, so its cookies are Secure). */
let api: Awaited<ReturnType<typeof startApi>>;
let app: Express;

beforeAll(async () => {
  stripe = await startStripeRecorder(servers.stripeUrl());
  smtp = await startFakeSmtp();
  const env = {
    SMTP_URL: smtp.url,
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_URL: stripe.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_BASE_PRICE_ID: 'price_base_test',
    STRIPE_USAGE_PRICE_ID: 'price_minutes_test',
    PLAN_BASE_MONTHLY_MINOR: '4900',
    PLAN_INCLUDED_MINUTES: '1',
    PLAN_PER_MINUTE_MINOR: '60',
    BILLING_PERIOD_MS: String(PERIOD_MS),
    BILLING_DUNNING_MS: '3000',
  };
  stack = await startCallStack(env);
  api = await startApi({ ...env, TEMPORAL_TASK_QUEUE: stack.services.config.temporal.taskQueue });
  app = api.app;
});
afterAll(async () => {
  await api.close();
  await stack.close();
  await stripe.close();
  await smtp.close();
});

const db = () => stack.services.db;
const handle = (orgId: string) => stack.services.temporal.workflow.getHandle(billingWorkflowId(orgId));
/** The cycle's running count, or null while a new run has not taken its first workflow task. */
const usageNow = (orgId: string) => handle(orgId).query(periodUsageQuery).catch(() => null);

/** Starts the cycle as organization creation does, with the first period starting at `periodStart`. */
async function startCycle(orgId: string, periodStart = new Date()) {
  const started = await stack.services.temporal.workflow.start('billingCycleWorkflow', {
    workflowId: billingWorkflowId(orgId),
    taskQueue: stack.services.config.temporal.taskQueue,
    args: [{ orgId, periodStart: periodStart.toISOString() } satisfies BillingCycleInput],
    typedSearchAttributes: [{ key: OrgId, value: orgId }],
  });
  return started.firstExecutionRunId;
}

async function addOwner(orgId: string) {
  const owner = { id: `usr_${randomBytes(13).toString('hex').slice(0, 26)}`, email: `owner.${randomBytes(3).toString('hex')}@cycle.test` };
  await db()('users').insert({ ...owner, name: 'Olu' });
  await db()('memberships').insert({ org_id: orgId, user_id: owner.id, role: 'owner' });
  return owner;
}

let eventCounter = 0;
function deliver(type: string, object: Record<string, unknown>) {
  const body = JSON.stringify({ id: `evt_cycle_${Date.now()}_${eventCounter++}`, object: 'event', type, api_version: '2026-10-28', created: Math.floor(Date.now() / 1000), data: { object } });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET });
  return request(app).post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(body);
}

async function endedCall(to: string, seconds: number) {
  const call = stack.call({ to });
  await call.dial();
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye!' });
  await call.say('Just checking you are open. Bye!');
  stack.llm.scriptJson({ content: JSON.stringify({ intents: ['ask_question'], entities: { callerName: null, callbackNumber: null, service: null, requestedTime: null }, summary: 'Asked if open.' }) });
  await call.status('completed', seconds);
  await stack.result(call);
  return call;
}

const billingStatus = async (orgId: string) => (await db()('organizations').where({ id: orgId }).first('billing_status')).billing_status;
const notices = (orgId: string, kind: string) => db()('notifications').where({ org_id: orgId, kind }).select('recipient', 'payload');

test('a period: the subscription is created on the plan, calls are counted, and at its end the ledger is reconciled into one billing record and the next period begins', async () => {
  const org = stack.org;
  const periodStart = new Date();
  const firstRun = await startCycle(org.id, periodStart);

  // The subscription: the plan's two prices, on the organization's customer, keyed by organization and period.
  await until(() => stripe.requests.some((r) => r.method === 'POST' && r.path === '/v1/subscriptions'), 10_000);
  const created = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/subscriptions')!;
  expect(created.idempotencyKey).toBe(`subscription:${org.id}:${periodStart.toISOString()}`);
  // The recorder sees the request as it leaves; the activity stores Stripe's answer a moment later.
  await until(async () => Boolean((await db()('organizations').where({ id: org.id }).first('stripe_subscription_id')).stripe_subscription_id), 10_000);
  const { stripe_customer_id: customer, stripe_subscription_id: subscription } = await db()('organizations').where({ id: org.id }).first();
  expect(Object.fromEntries(created.form)).toMatchObject({ customer, 'items[0][price]': 'price_base_test', 'items[1][price]': 'price_minutes_test', 'metadata[org_id]': org.id });
  expect(subscription).toMatch(/^sub_/);

  const call = await endedCall(stack.number, 125);
  await until(async () => (await usageNow(org.id))?.calls === 1, 10_000);
  expect(await handle(org.id).query(periodUsageQuery)).toMatchObject({ plan: 'subscription', status: 'active', calls: 1, billableSeconds: 125, periodStart: periodStart.toISOString() });

  // Usage a call never billed (its workflow gave up): written in the period, unreported until the close.
  const unbilledSid = `CA${randomBytes(16).toString('hex')}`;
  await db()('usage_records').insert({ id: `use_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: org.id, idempotency_key: `usage:${unbilledSid}`, call_sid: unbilledSid, billable_seconds: 30, occurred_at: new Date() });

  await until(async () => Boolean(await db()('billing_records').where({ org_id: org.id }).first()), PERIOD_MS + 15_000);
  const [record] = await db()('billing_records').where({ org_id: org.id });
  const periodEnd = new Date(periodStart.getTime() + PERIOD_MS);
  expect(record).toMatchObject({
    plan: 'subscription',
    calls: 2,
    billable_seconds: '155',
    minutes: 3,
    included_minutes: 1,
    base_amount_minor: '4900',
    usage_amount_minor: '95', // 155 s less the included minute, at a cent a second
    amount_minor: '4995',
    currency: 'USD',
    status: 'open',
    reconciled_calls: 1,
    stripe_invoice_id: null,
  });
  expect(record.period_start.toISOString()).toBe(periodStart.toISOString());
  expect(record.period_end.toISOString()).toBe(periodEnd.toISOString());
  expect(new Date(record.retain_until).getUTCFullYear()).toBe(periodEnd.getUTCFullYear() + 7);
  // The reconciliation reported the forgotten call to Stripe in a batch of its own (the call's was reported long before), and marked it.
  const batchOf = async (callSid: string) => (await db()('usage_records').where({ call_sid: callSid }).first()).batch_id as string;
  const [callBatch, unbilledBatch] = [await batchOf(call.callSid), await batchOf(unbilledSid)];
  expect(callBatch).not.toBe(unbilledBatch);
  const events = stripe.requests.filter((r) => r.path === '/v1/billing/meter_events');
  expect(events.filter((r) => r.idempotencyKey === unbilledBatch).map((r) => [r.form.get('identifier'), r.form.get('payload[value]')])).toEqual([[unbilledBatch, '30']]);
  expect(events.filter((r) => r.idempotencyKey === callBatch).map((r) => r.form.get('payload[value]'))).toEqual(['125']);
  expect((await db()('usage_records').where({ call_sid: unbilledSid }).first()).reported_at).not.toBeNull();

  // The next period runs on from the end of this one, counting from zero, on the same subscription.
  await until(async () => (await usageNow(org.id))?.periodStart === periodEnd.toISOString(), 10_000);
  expect(await handle(org.id).query(periodUsageQuery)).toMatchObject({ calls: 0, billableSeconds: 0 });
  expect(stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/subscriptions')).toHaveLength(1);
  await recordRun(stack.services.temporal, billingWorkflowId(org.id), firstRun, 'billing-cycle-period');
});

test('a failed payment makes the organization past due and tells the owner; unpaid past the dunning window it is suspended and its calls only take messages; paying restores it', async () => {
  const number = randomPhone();
  const org = await makeOrganization(stack.services, { phoneNumbers: [number] });
  const owner = await addOwner(org.id);
  const customer = `cus_cycle${randomBytes(6).toString('hex')}`;
  await db()('organizations').where({ id: org.id }).update({ stripe_customer_id: customer, stripe_subscription_id: `sub_cycle${randomBytes(6).toString('hex')}` });
  await startCycle(org.id);

  const invoiceId = `in_cycle${randomBytes(6).toString('hex')}`;
  const nextAttempt = Math.floor(Date.now() / 1000) + 86_400;
  const invoice = { customer, currency: 'usd', hosted_invoice_url: `https://invoice.stripe.test/${invoiceId}`, next_payment_attempt: nextAttempt };
  stripe.setObject(`/v1/invoices/${invoiceId}`, { ...invoice, status: 'open', attempt_count: 1, amount_remaining: 4995 });
  const failed = await deliver('invoice.payment_failed', { id: invoiceId, object: 'invoice' });
  expect(failed.body).toMatchObject({ outcome: 'payment failed' });

  await until(async () => (await billingStatus(org.id)) === 'past_due', 10_000);
  await until(async () => (await notices(org.id, 'billing.payment_failed')).length === 1, 5_000);
  const [failedNotice] = await notices(org.id, 'billing.payment_failed');
  expect(failedNotice.recipient).toBe(owner.email);
  expect(failedNotice.payload).toMatchObject({ amount: { amountMinor: 4995, currency: 'USD' }, invoiceUrl: invoice.hosted_invoice_url, retryAt: new Date(nextAttempt * 1000).toISOString() });
  expect(failedNotice.payload.suspendAt).toEqual(expect.any(String));

  // Three seconds of dunning pass unpaid: suspended, and the owner is told why.
  await until(async () => (await billingStatus(org.id)) === 'suspended', 10_000);
  await until(async () => (await notices(org.id, 'billing.suspended')).length === 1, 5_000);
  expect((await notices(org.id, 'billing.suspended'))[0].payload.reason).toMatch(/only to take messages/);
  const described = await handle(org.id).describe();
  expect(described.typedSearchAttributes.get(BillingStatus)).toBe('suspended');

  // A caller still gets through, but only to leave a message, which reaches the business.
  const call = stack.call({ to: number });
  expect(await call.dial()).toContain('I can take a message');
  expect(await call.say('Grace Hopper')).toContain('What message would you like me to pass on?');
  expect(await call.say('Please call me back about my cleaning.')).toContain("I've passed your message on");
  await call.status('completed', 40);
  expect(await stack.result(call)).toMatchObject({ outcome: 'message_taken' });
  expect(stack.llm.requests.some((r) => JSON.stringify(r).includes('Grace Hopper'))).toBe(false); // the agent was never asked

  // Paid: active again, the owner told once. A late copy of the failure (Stripe's order is not ours) changes nothing:
  // the invoice is read again and it is paid.
  stripe.setObject(`/v1/invoices/${invoiceId}`, { ...invoice, status: 'paid', attempt_count: 2, amount_paid: 4995, amount_remaining: 0, next_payment_attempt: null });
  expect((await deliver('invoice.paid', { id: invoiceId, object: 'invoice' })).body).toMatchObject({ outcome: 'payment paid' });
  await until(async () => (await billingStatus(org.id)) === 'active', 10_000);
  expect((await deliver('invoice.payment_failed', { id: invoiceId, object: 'invoice' })).body).toMatchObject({ outcome: 'payment paid' });
  await until(async () => (await notices(org.id, 'billing.restored')).length === 1, 5_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await billingStatus(org.id)).toBe('active');
  expect(await notices(org.id, 'billing.payment_failed')).toHaveLength(1);
  expect((await handle(org.id).query(periodUsageQuery)).suspendAt).toBeNull();

  const after = stack.call({ to: number });
  expect(await after.dial()).not.toContain('I can take a message');
  // Each notice reached the owner's mailbox once: failed, suspended, restored.
  await until(() => smtp.messages.filter((m) => m.envelope.to.includes(owner.email)).length === 3, 15_000);
  expect(smtp.messages.filter((m) => m.envelope.to.includes(owner.email)).map((m) => m.subject)).toEqual([
    expect.stringContaining('payment of $49.95 failed'),
    expect.stringContaining('your Callgenly service is suspended'),
    expect.stringContaining('your Callgenly service is restored'),
  ]);
  await after.status('completed', 5);
  await stack.result(after);

  const { runId } = await handle(org.id).describe();
  await handle(org.id).signal(cancelBillingSignal, { reason: 'requested' });
  await recordRun(stack.services.temporal, billingWorkflowId(org.id), runId, 'billing-cycle-dunning');
});

test('the owner changes the plan for the next period and then cancels: the period is billed under its plan, the subscription ends at Stripe, the cycle ends', async () => {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: 'Plan Clinic' });
  const orgId = owner.info!.organization.id;
  // Sign-up started the cycle (on this stack's worker), which subscribed the organization.
  await until(async () => Boolean((await db()('organizations').where({ id: orgId }).first()).stripe_subscription_id), 15_000);
  const { stripe_subscription_id: subscription } = await db()('organizations').where({ id: orgId }).first();

  const overview = await owner.get('/api/v1/billing');
  expect(overview.status).toBe(200);
  expect(overview.body).toMatchObject({ plan: 'subscription', status: 'active', currentPeriod: { calls: 0, pendingPlan: null } });

  expect((await owner.put('/api/v1/billing/plan', { plan: 'nonsense' })).status).toBe(400);
  const changed = await owner.put('/api/v1/billing/plan', { plan: 'prepaid' });
  expect(changed.status).toBe(202);
  await until(async () => (await owner.get('/api/v1/billing')).body.currentPeriod?.pendingPlan === 'prepaid', 5_000);
  expect((await db()('organizations').where({ id: orgId }).first()).billing_mode).toBe('subscription'); // not before the period ends

  // The period ends: billed as a subscription period, then the organization is prepaid and the subscription ended at Stripe.
  await until(async () => (await db()('organizations').where({ id: orgId }).first()).billing_mode === 'prepaid', PERIOD_MS + 15_000);
  const records = await owner.get('/api/v1/billing/records');
  expect(records.body.data).toEqual([expect.objectContaining({ plan: 'subscription', calls: 0, amountMinor: 4900, baseAmountMinor: 4900, status: 'open' })]);
  expect(stripe.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${subscription}` && r.idempotencyKey === `cancel:${subscription}`)).toBe(true);
  expect((await db()('organizations').where({ id: orgId }).first()).stripe_subscription_id).toBeNull();

  const usage = await owner.get(`/api/v1/billing/usage?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
  expect(usage.body).toMatchObject({ calls: 0, billableSeconds: 0, unreportedCalls: 0 });
  expect((await owner.get('/api/v1/billing/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).body.error).toMatchObject({ field: 'to' });

  const cancelled = await owner.post('/api/v1/billing/cancel');
  expect(cancelled.status).toBe(202);
  expect(await handle(orgId).result()).toEqual({ status: 'cancelled', periodsClosed: 1 });
  expect(await billingStatus(orgId)).toBe('cancelled');
  const after = await owner.get('/api/v1/billing/records');
  expect(after.body.data.map((r: { plan: string }) => r.plan)).toEqual(['prepaid', 'subscription']);
  const audit = await owner.get('/api/v1/audit-log');
  expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['billing.plan_changed', 'billing.cancelled']));
  await recordRun(stack.services.temporal, billingWorkflowId(orgId), (await handle(orgId).describe()).runId, 'billing-cycle-cancelled');
});

test('Stripe ending the subscription ends the cycle; an event for a customer that is not ours changes nothing', async () => {
  const org = await makeOrganization(stack.services);
  const customer = `cus_cycle${randomBytes(6).toString('hex')}`;
  const subscription = `sub_cycle${randomBytes(6).toString('hex')}`;
  await db()('organizations').where({ id: org.id }).update({ stripe_customer_id: customer, stripe_subscription_id: subscription });
  await startCycle(org.id);

  stripe.setObject(`/v1/subscriptions/${subscription}`, { customer, status: 'canceled' });
  expect((await deliver('customer.subscription.deleted', { id: subscription, object: 'subscription' })).body).toMatchObject({ outcome: 'subscription ended' });
  expect(await handle(org.id).result()).toMatchObject({ status: 'cancelled' });
  expect(await billingStatus(org.id)).toBe('cancelled');
  // Stripe had already ended it: nothing is cancelled twice.
  expect(stripe.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${subscription}`)).toBe(false);

  const stranger = `sub_stranger${randomBytes(6).toString('hex')}`;
  stripe.setObject(`/v1/subscriptions/${stranger}`, { customer: 'cus_not_ours', status: 'canceled' });
  expect((await deliver('customer.subscription.deleted', { id: stranger, object: 'subscription' })).body).toMatchObject({ outcome: 'not our customer' });
  const invoice = `in_stranger${randomBytes(6).toString('hex')}`;
  stripe.setObject(`/v1/invoices/${invoice}`, { customer: 'cus_not_ours', status: 'open', attempt_count: 1 });
  expect((await deliver('invoice.payment_failed', { id: invoice, object: 'invoice' })).body).toMatchObject({ outcome: 'not our customer' });
});
