import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { balancesOf, TOP_UP_KIND } from '../topUps';
import { stripeCustomerOf } from '../customers';
import { startPaymentMethodSetup } from '../paymentMethods';
import { usageChart, type UsagePoint } from '../usageChart';
import type { Tx } from '../../platform/db/knex';
import { signalBillingCycle } from '../cycle';
import { paginate } from '../../platform/db/pagination';
import { withTenant } from '../../platform/db/tenancy';
import { readWithin } from '../../platform/temporal/boundedRead';
import { billingWorkflowId, cancelBillingSignal, periodUsageQuery, planChangeSignal, type BillingPeriodUsage } from '../../../workflows/billing/definitions';
import { consoleUrl } from '../../platform/http/console';
import { ApiError } from '../../platform/http/errors';
import { workflowUrl, WorkflowUrl } from '../../platform/temporal/workflowLinks';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idempotencyKeyOf, inDateRange, iso, pageBody, pageOf, PageQuery, Timestamp } from '../../platform/http/v1/schemas';
import type { V1Deps } from '../../platform/http/v1/deps';

const Balance = z
  .object({ balances: z.array(z.object({ currency: z.string().length(3), amountMinor: z.number().int().meta({ description: 'Integer minor units (cents)' }) })) })
  .meta({ id: 'Balance' });

const TopUp = z.object({ id: z.string(), url: z.string().meta({ description: 'Stripe Checkout page to pay the top-up' }) }).meta({ id: 'TopUp' });

const Plan = z.enum(['subscription', 'prepaid']).meta({ description: 'subscription: monthly base fee, included minutes, per-minute beyond; prepaid: calls draw down a balance' });
const State = z.enum(['active', 'past_due', 'suspended', 'cancelled']);

const BillingOverview = z
  .object({
    plan: Plan,
    status: State.meta({ description: 'past_due: a payment failed; suspended: unpaid past the dunning window (calls only take messages)' }),
    currentPeriod: z
      .object({
        start: Timestamp,
        end: Timestamp.nullable().meta({ description: 'Null only in the moment a new period is being opened' }),
        calls: z.number().int(),
        billableSeconds: z.number().int(),
        pendingPlan: Plan.nullable().meta({ description: 'Takes effect when this period ends' }),
        suspendAt: Timestamp.nullable().meta({ description: 'When a past-due organization is suspended unless it pays first' }),
      })
      .nullable()
      .meta({ description: "The billing cycle's running count; null while the cycle is not running" }),
    paymentMethod: z
      .object({ label: z.string().meta({ description: 'e.g. "Visa •••• 4242, expires 8/2030"' }), updatedAt: Timestamp })
      .nullable()
      .meta({ description: 'What invoices are charged to; null until one is given (POST /billing/payment-method)' }),
    workflowUrl: WorkflowUrl.meta({ description: 'The billing cycle in the Temporal Web UI; null when TEMPORAL_UI_URL is not configured' }),
  })
  .meta({ id: 'BillingOverview' });

const BillingRecord = z
  .object({
    id: z.string(),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    plan: Plan,
    calls: z.number().int(),
    billableSeconds: z.number().int(),
    minutes: z.number().int(),
    includedMinutes: z.number().int(),
    baseAmountMinor: z.number().int(),
    usageAmountMinor: z.number().int(),
    amountMinor: z.number().int().meta({ description: 'Integer minor units of currency' }),
    currency: z.string().length(3),
    status: z.enum(['open', 'paid', 'past_due', 'void', 'uncollectible']),
    stripeInvoiceId: z.string().nullable(),
    reconciledCalls: z.number().int().meta({ description: 'Calls whose usage was billed only when the period was closed' }),
    retainUntil: z.string().meta({ description: 'Kept until this date (YYYY-MM-DD), past retention and account deletion' }),
  })
  .meta({ id: 'BillingRecord' });

const UsageQuery = inDateRange(
  z.object({
    from: z.iso.datetime({ offset: true }).meta({ description: 'Usage recorded at or after this time' }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Usage recorded before this time (default: now)' }),
  }),
);

const Usage = z
  .object({
    from: Timestamp,
    to: Timestamp,
    calls: z.number().int(),
    billableSeconds: z.number().int(),
    minutes: z.number().int().meta({ description: 'billableSeconds in minutes, rounded up' }),
    unreportedCalls: z.number().int().meta({ description: 'Calls whose usage is not yet billed (reported to Stripe or debited)' }),
    series: z
      .object({
        unit: z.enum(['day', 'month']).meta({ description: 'Days for a range of up to 92 days, months beyond' }),
        timeZone: z.string(),
        points: z.array(z.object({ period: z.string().meta({ description: 'YYYY-MM-DD or YYYY-MM in the organization\'s time zone' }), calls: z.number().int(), minutes: z.number().int().meta({ description: "That day's (month's) seconds in minutes, rounded up" }) })),
      })
      .meta({ description: 'The range day by day (or month by month), empty ones included' }),
    chart: z.string().meta({ description: 'The series as an SVG chart (rendered on the server)' }),
  })
  .meta({ id: 'Usage' });

/** The billing cycle's running count, or null when it is not running or no worker answers within 3 s (the rest of the page still can). */
async function currentPeriod(deps: V1Deps, orgId: string, log: { warn(obj: object, msg: string): void }): Promise<BillingPeriodUsage | null> {
  try {
    return await readWithin(deps.temporal, 3_000, () => deps.temporal.workflow.getHandle(billingWorkflowId(orgId)).query(periodUsageQuery));
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) log.warn({ orgId, err: (error as Error).message }, 'billing cycle did not answer');
    return null;
  }
}

/** The range's usage per local day (up to 92 days) or month, every period in it listed, empty ones as zero. */
async function usageSeries(trx: Tx, from: Date, to: Date): Promise<{ unit: 'day' | 'month'; timeZone: string; points: UsagePoint[] }> {
  const unit = to.getTime() - from.getTime() <= 92 * 86_400_000 ? 'day' : 'month';
  const { time_zone: timeZone } = await trx('organizations').first('time_zone');
  const { rows } = await trx.raw<{ rows: Array<{ period: string; calls: number; seconds: string }> }>(
    `select to_char(p, ?) as period, count(u.id)::int as calls, coalesce(sum(u.billable_seconds), 0)::bigint as seconds
       from generate_series(date_trunc(?, ?::timestamptz at time zone ?), (?::timestamptz - interval '1 microsecond') at time zone ?, ?::interval) as p
       left join usage_records u on u.created_at >= ? and u.created_at < ? and date_trunc(?, u.created_at at time zone ?) = p
      group by p order by p`,
    [unit === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM', unit, from, timeZone, to, timeZone, `1 ${unit}`, from, to, unit, timeZone],
  );
  return { unit, timeZone, points: rows.map((r) => ({ period: r.period, calls: r.calls, minutes: Math.ceil(Number(r.seconds) / 60) })) };
}

const toBillingRecord = (r: Record<string, any>): z.input<typeof BillingRecord> => ({
  id: r.id,
  periodStart: iso(r.period_start)!,
  periodEnd: iso(r.period_end)!,
  plan: r.plan,
  calls: r.calls,
  billableSeconds: Number(r.billable_seconds),
  minutes: r.minutes,
  includedMinutes: r.included_minutes,
  baseAmountMinor: Number(r.base_amount_minor),
  usageAmountMinor: Number(r.usage_amount_minor),
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  status: r.status,
  stripeInvoiceId: r.stripe_invoice_id,
  reconciledCalls: r.reconciled_calls,
  retainUntil: typeof r.retain_until === 'string' ? r.retain_until : r.retain_until.toISOString().slice(0, 10),
});

export const billingRoutes = [
  defineRoute({
    method: 'get',
    path: '/billing',
    operationId: 'getBilling',
    summary: "The organization's plan, billing status and the current period's usage so far",
    tag: 'Billing',
    access: 'admin',
    response: { schema: BillingOverview, description: 'Billing' },
    async handle({ auth, deps, req }) {
      const org = await withTenant(deps.db, auth.orgId, (trx) => trx('organizations').first('billing_mode', 'billing_status', 'payment_method_label', 'payment_method_updated_at'));
      const period = await currentPeriod(deps, auth.orgId, req.log);
      return {
        plan: org.billing_mode,
        status: org.billing_status,
        currentPeriod: period && {
          start: period.periodStart,
          end: period.periodEnd,
          calls: period.calls,
          billableSeconds: period.billableSeconds,
          pendingPlan: period.pendingPlan,
          suspendAt: period.suspendAt,
        },
        paymentMethod: org.payment_method_label ? { label: org.payment_method_label, updatedAt: iso(org.payment_method_updated_at)! } : null,
        workflowUrl: workflowUrl(deps.config.temporal, billingWorkflowId(auth.orgId)),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/billing/records',
    operationId: 'listBillingRecords',
    summary: 'Closed billing periods, newest first: usage, amounts, Stripe invoice and payment status',
    tag: 'Billing',
    access: 'admin',
    query: PageQuery,
    response: { schema: pageOf(BillingRecord, 'BillingRecordPage'), description: 'A page of billing records' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => pageBody(await paginate(trx('billing_records').select('*'), { column: 'id', cursor: query.cursor, limit: query.limit }), toBillingRecord)),
  }),

  defineRoute({
    method: 'get',
    path: '/billing/usage',
    operationId: 'getUsage',
    summary: 'Billable call usage recorded in a date range, from the usage ledger',
    tag: 'Billing',
    access: 'admin',
    query: UsageQuery,
    response: { schema: Usage, description: 'Usage' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const from = new Date(query.from);
        const to = query.to ? new Date(query.to) : new Date();
        const row = await trx('usage_records')
          .where('created_at', '>=', from)
          .where('created_at', '<', to)
          .first(
            trx.raw('count(*)::int as calls'),
            trx.raw('coalesce(sum(billable_seconds), 0)::bigint as seconds'),
            trx.raw('(count(*) filter (where reported_at is null))::int as unreported'),
          );
        const billableSeconds = Number(row.seconds);
        const series = await usageSeries(trx, from, to);
        return { from: from.toISOString(), to: to.toISOString(), calls: row.calls, billableSeconds, minutes: Math.ceil(billableSeconds / 60), unreportedCalls: row.unreported, series, chart: usageChart(series.points, series.unit) };
      }),
  }),

  defineRoute({
    method: 'put',
    path: '/billing/plan',
    operationId: 'changePlan',
    summary: 'Change the plan; it takes effect when the current billing period ends (the billing cycle is signalled)',
    tag: 'Billing',
    access: 'owner',
    body: z.object({ plan: Plan }),
    response: { status: 202, schema: z.object({ plan: Plan, effective: z.literal('next_period') }), description: 'The change is on its way to the billing cycle' },
    errors: [409],
    async handle({ auth, body, deps, req }) {
      // HIPAA mode is kept only on a plan that includes it (the cycle checks again when it applies the change).
      const { hipaa_mode: hipaa } = await withTenant(deps.db, auth.orgId, (trx) => trx('organizations').first('hipaa_mode'));
      if (hipaa && !deps.config.auth.baa.plans.includes(body.plan)) throw new ApiError(409, 'plan_excludes_hipaa', `The ${body.plan} plan does not include HIPAA mode: turn HIPAA mode off first`, 'plan');
      await signalBillingCycle(deps.temporal, deps.config.temporal.taskQueue, auth.orgId, planChangeSignal, { plan: body.plan });
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'billing.plan_changed', targetType: 'organization', targetId: auth.orgId, metadata: { plan: body.plan } }));
      return { plan: body.plan, effective: 'next_period' as const };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/billing/cancel',
    operationId: 'cancelBilling',
    summary: 'Stop paying: the current period is billed now, the subscription ends, and calls only take messages',
    tag: 'Billing',
    access: 'owner',
    response: { status: 202, schema: z.object({ status: z.literal('cancelling') }), description: 'The billing cycle is closing' },
    async handle({ auth, deps, req }) {
      await signalBillingCycle(deps.temporal, deps.config.temporal.taskQueue, auth.orgId, cancelBillingSignal, { reason: 'requested' });
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'billing.cancelled', targetType: 'organization', targetId: auth.orgId }));
      return { status: 'cancelling' as const };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/billing/balance',
    operationId: 'getBalance',
    summary: 'The prepaid balance per currency: the sum of the balance ledger',
    tag: 'Billing',
    access: 'admin',
    response: { schema: Balance, description: 'Balances' },
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, async (trx) => ({ balances: await balancesOf(trx) })),
  }),

  defineRoute({
    method: 'post',
    path: '/billing/top-ups',
    operationId: 'createTopUp',
    summary: 'Start a top-up: a Stripe Checkout page; the balance is credited when Stripe confirms payment (webhook)',
    tag: 'Billing',
    access: 'admin',
    // In the currency prepaid calls are priced in (PREPAID_CURRENCY): a balance in any other would pay for nothing.
    body: z.object({ amountMinor: z.number().int().min(500).max(100_000_00).meta({ description: 'Integer minor units of PREPAID_CURRENCY, e.g. 2000 for $20.00' }) }),
    response: { status: 201, schema: TopUp, description: 'The Checkout session to send the payer to' },
    errors: [503],
    async handle({ auth, body, deps, req }) {
      if (!deps.stripe) throw new ApiError(503, 'billing_off', 'Billing is not configured (STRIPE_SECRET_KEY)');
      const key = idempotencyKeyOf(req);
      const customer = await stripeCustomerOf(deps.db, deps.stripe, auth.orgId);
      const returnTo = consoleUrl(deps.config);
      const currency = deps.config.prepaid.currency.toLowerCase();
      const session = await deps.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer,
          line_items: [{ quantity: 1, price_data: { currency, unit_amount: body.amountMinor, product_data: { name: 'Callgenly balance top-up' } } }],
          success_url: `${returnTo}/billing?top-up=done`,
          cancel_url: `${returnTo}/billing?top-up=cancelled`,
          metadata: { org_id: auth.orgId, kind: TOP_UP_KIND },
        },
        // The same Idempotency-Key gets the same session (a double click pays once).
        { idempotencyKey: `topup:${auth.orgId}:${key ?? randomUUID()}` },
      );
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'billing.top_up_started', targetType: 'checkout_session', targetId: session.id, metadata: { amountMinor: body.amountMinor, currency } }));
      return { id: session.id, url: session.url ?? '' };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/billing/payment-method',
    operationId: 'startPaymentMethodSetup',
    summary: 'Give or replace the card invoices are charged to: a Stripe Checkout page in setup mode (nothing is charged); it takes effect when Stripe confirms the setup (webhook setup_intent.succeeded)',
    tag: 'Billing',
    access: 'owner',
    response: { status: 201, schema: TopUp, description: 'The Checkout session to send the owner to' },
    errors: [503],
    async handle({ auth, deps, req }) {
      if (!deps.stripe) throw new ApiError(503, 'billing_off', 'Billing is not configured (STRIPE_SECRET_KEY)');
      const session = await startPaymentMethodSetup(deps.db, deps.stripe, {
        orgId: auth.orgId,
        userId: auth.userId ?? null,
        currency: deps.config.billing.plan.currency, // the subscription's
        returnTo: consoleUrl(deps.config),
        idempotencyKey: idempotencyKeyOf(req) ?? randomUUID(),
      });
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'billing.payment_method_setup_started', targetType: 'checkout_session', targetId: session.id }));
      return { id: session.id, url: session.url ?? '' };
    },
  }),
];
