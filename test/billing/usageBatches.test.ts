import { randomBytes, randomInt } from 'node:crypto';
import { createUsageBiller, type UsageBiller } from '../../activities/billing/usage';
import { stripeCustomerOf } from '../../src/billing/customers';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { billingWorkflowId, periodUsageQuery, type BillingCycleInput } from '../../workflows/billing/definitions';
import type { Services } from '../../src/services';
import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { until } from '../helpers/booking';
import { recordRun } from '../helpers/histories';
import { makeOrganization } from '../helpers/organizations';
import { stack, startTestWorker, testConfig, testServices } from '../helpers/stack';

/**
 * Usage in batches, on the real PostgreSQL and Temporal server, Stripe through the real SDK against
 * stripe-mock (behind a recorder): many calls of an organization become few meter events, each call in
 * exactly one; two workers reporting at once never take the same call; a report that died between Stripe
 * and its mark is repeated as itself; two organizations never share a batch.
 */
let stripe: StripeRecorder;
let services: Services;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  stripe = await startStripeRecorder(stack.stripeUrl());
  services = await testServices(testConfig({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: stripe.url, BILLING_PERIOD_MS: '45000' }));
  worker = await startTestWorker(services);
});
afterAll(async () => {
  await worker?.stop();
  await services?.close();
  await stripe?.close();
});

const db = () => services.db;
/** A finished call's usage row, as the call's finalization writes it. */
async function finishedCall(orgId: string, seconds: number): Promise<string> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  await db()('usage_records').insert({ id: `use_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: orgId, idempotency_key: `usage:${callSid}`, call_sid: callSid, billable_seconds: seconds, occurred_at: new Date() });
  return callSid;
}
const meterEvents = () => stripe.requests.filter((r) => r.path === '/v1/billing/meter_events');
const customerOf = async (orgId: string) => (await db()('organizations').where({ id: orgId }).first('stripe_customer_id')).stripe_customer_id as string;
const usageNow = (orgId: string) => services.temporal.workflow.getHandle(billingWorkflowId(orgId)).query(periodUsageQuery).catch(() => null);

async function startCycle(orgId: string) {
  const started = await services.temporal.workflow.start('billingCycleWorkflow', {
    workflowId: billingWorkflowId(orgId),
    taskQueue: services.config.temporal.taskQueue,
    args: [{ orgId, periodStart: new Date().toISOString() } satisfies BillingCycleInput],
    typedSearchAttributes: [{ key: OrgId, value: orgId }],
  });
  await until(async () => (await usageNow(orgId))?.periodEnd != null, 10_000);
  return started.firstExecutionRunId;
}

/** Every row of the organization reported, each in exactly one batch of its own organization; what Stripe was sent, per identifier. */
async function ledgerAndStripe(orgId: string) {
  const rows = await db()('usage_records').where({ org_id: orgId });
  const batches = await db()('usage_batches').where({ org_id: orgId });
  const sent = meterEvents().filter((e) => batches.some((b) => b.id === e.form.get('identifier')));
  return { rows, batches, sent };
}

test('many calls of one organization, reported at once by two workers, reach Stripe as a few meter events that sum their seconds; each call is in one batch, reported once, and counted once by the billing cycle', async () => {
  const org = await makeOrganization(services);
  const firstRun = await startCycle(org.id);
  const workers: UsageBiller[] = [createUsageBiller(services), createUsageBiller(services)];
  const seconds = Array.from({ length: 80 }, () => randomInt(1, 600));

  await stripeCustomerOf(db(), services.stripe!, org.id); // so the first round does not wait for it, and the rounds overlap
  // Calls finish in waves of ten, 20 ms apart: each row is written, then its call's activity bills it, on either worker.
  const outcomes = await Promise.all(
    seconds.map(async (s, i) => {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(i / 10) * 20));
      return workers[i % 2]!.bill({ orgId: org.id, callSid: await finishedCall(org.id, s) });
    }),
  );
  // Reported by its own activity's round, or already claimed (and so reported) by another call's.
  expect(outcomes.filter((o) => !['reported', 'batched', 'already'].includes(o))).toEqual([]);
  expect(outcomes).toContain('reported');

  const { rows, batches, sent } = await ledgerAndStripe(org.id);
  expect(rows).toHaveLength(80);
  expect(rows.filter((r) => r.reported_at === null || r.batch_id === null)).toEqual([]);
  expect(batches.length).toBeLessThan(40); // a worker's round takes every call that finished while its round before ran
  expect(batches.filter((b) => b.reported_at === null)).toEqual([]);
  for (const batch of batches) {
    const own = rows.filter((r) => r.batch_id === batch.id);
    expect([batch.calls, Number(batch.billable_seconds)]).toEqual([own.length, own.reduce((sum, r) => sum + r.billable_seconds, 0)]);
  }
  // One request per batch (nothing failed, so nothing was repeated), under the batch's id, on the organization's customer.
  const customer = await customerOf(org.id);
  expect(sent.map((e) => e.form.get('identifier')).sort()).toEqual(batches.map((b) => b.id).sort());
  for (const event of sent) {
    const batch = batches.find((b) => b.id === event.form.get('identifier'))!;
    expect(event.idempotencyKey).toBe(batch.id);
    expect(Object.fromEntries(event.form)).toMatchObject({ 'payload[stripe_customer_id]': customer, 'payload[value]': String(batch.billable_seconds), timestamp: String(Math.floor(batch.event_at.getTime() / 1000)) });
  }
  const total = seconds.reduce((sum, s) => sum + s, 0);
  expect(sent.reduce((sum, e) => sum + Number(e.form.get('payload[value]')), 0)).toBe(total);

  await until(async () => (await usageNow(org.id))?.calls === 80, 10_000);
  expect(await usageNow(org.id)).toMatchObject({ calls: 80, billableSeconds: total });
  // The cycle's run that received batches: kept for the replay test (RECORD_HISTORIES=1).
  await recordRun(services.temporal, billingWorkflowId(org.id), firstRun, 'billing-cycle-usage-batches');
}, 90_000);

test('a report that died after Stripe took its event and the cycle its calls, before the mark, is repeated as itself: the same identifier and key, the calls counted once, the rows marked once', async () => {
  const org = await makeOrganization(services);
  await startCycle(org.id);
  const biller = createUsageBiller(services);
  const sids = [await finishedCall(org.id, 61), await finishedCall(org.id, 62), await finishedCall(org.id, 63)];

  // The first attempt reaches Stripe; meanwhile another transaction holds the rows, so its mark times out (lock_timeout).
  const held = stripe.holdNext('/v1/billing/meter_events');
  const first = biller.bill({ orgId: org.id, callSid: sids[0]! });
  await held.arrived;
  const blocker = await db().transaction();
  await blocker('usage_records').whereIn('call_sid', sids).forUpdate().select('id');
  held.release();
  await expect(first).rejects.toThrow(/lock timeout/);
  await until(async () => (await usageNow(org.id))?.calls === 3, 10_000); // the signal went before the mark failed
  await blocker.rollback();
  const [batch] = (await ledgerAndStripe(org.id)).batches;
  expect(batch).toMatchObject({ calls: 3, billable_seconds: '186', reported_at: null });

  // The retry takes over its own batch: the very same event again (Stripe counts an identifier once).
  expect(await biller.bill({ orgId: org.id, callSid: sids[0]! }, { takeOver: true })).toBe('reported');
  // The other calls' activities find theirs reported.
  expect(await biller.bill({ orgId: org.id, callSid: sids[1]! })).toBe('already');
  const { rows, batches, sent } = await ledgerAndStripe(org.id);
  expect(batches).toHaveLength(1);
  expect(sent).toHaveLength(2);
  expect(sent[1]!.idempotencyKey).toBe(batch.id);
  expect(Object.fromEntries(sent[1]!.form)).toEqual(Object.fromEntries(sent[0]!.form));
  expect(sent[0]!.form.get('identifier')).toBe(batch.id);
  expect(rows.every((r) => r.batch_id === batch.id && r.reported_at !== null)).toBe(true);
  // The cycle heard the batch twice and counted each call once.
  expect(await usageNow(org.id)).toMatchObject({ calls: 3, billableSeconds: 186 });
}, 60_000);

test("two organizations' calls finishing together never share a batch: each meter event is one organization's, on its customer, with its seconds", async () => {
  const [a, b] = [await makeOrganization(services), await makeOrganization(services)];
  const biller = createUsageBiller(services);
  const calls = [a, b, a, b, a, b, a, b].map((org, i) => ({ org, seconds: 10 + i }));
  await Promise.all(calls.map(async ({ org, seconds }) => biller.bill({ orgId: org.id, callSid: await finishedCall(org.id, seconds) })));

  for (const org of [a, b]) {
    const { rows, batches, sent } = await ledgerAndStripe(org.id);
    expect(rows.every((r) => r.reported_at !== null && batches.some((x) => x.id === r.batch_id))).toBe(true);
    const customer = await customerOf(org.id);
    expect(sent.map((e) => e.form.get('payload[stripe_customer_id]'))).toEqual(sent.map(() => customer));
    expect(sent.reduce((sum, e) => sum + Number(e.form.get('payload[value]')), 0)).toBe(calls.filter((c) => c.org === org).reduce((sum, c) => sum + c.seconds, 0));
  }
  // No batch holds rows of two organizations (the composite key would refuse it, too).
  const mixed = await db()('usage_records as u').join('usage_batches as x', 'x.id', 'u.batch_id').whereIn('u.org_id', [a.id, b.id]).whereRaw('x.org_id <> u.org_id').select('u.id');
  expect(mixed).toEqual([]);
});
