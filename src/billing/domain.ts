import { createBillingCycleActivities } from '../../activities/billing/billingCycle';
import { createBillingActivities, createUsageBiller } from '../../activities/billing/usage';
import { BillingStatus } from '../../workflows/billing/definitions';
import type { Domain } from '../platform/domainContract';
import { idPattern } from '../platform/registration';
import type { ActivityDeps, AppDeps } from '../deps';
import { billingRoutes } from './api/billing';
import { transactionRoutes } from './api/transactions';
import { stripeWebhookRoutes } from './api/stripeWebhook';
import { billingExport } from './exportSection';

/** Plans, usage, the billing cycle with Stripe, and the prepaid balance. */
export const billingDomain: Domain<ActivityDeps, AppDeps> = {
  name: 'billing',
  workflows: [
    { type: 'billingCycleWorkflow', id: idPattern('billing'), owner: { kind: 'org-in-id' } },
    { type: 'usageCatchUpWorkflow', id: idPattern('usage-catch-up', { scheduled: true }), owner: { kind: 'platform', why: 'finds unbilled usage rows; its payloads are counts' } },
  ],
  activities: (deps) => {
    // One biller per worker: the calls it is reporting in rounds are shared by the calls' activities and the period's close.
    const usage = createUsageBiller(deps);
    return [createBillingActivities(deps, usage), createBillingCycleActivities({ ...deps, usage })];
  },
  routes: [...billingRoutes, ...transactionRoutes],
  mounts: (deps) => [{ path: '/stripe', router: stripeWebhookRoutes(deps) }],
  searchAttributes: [BillingStatus],
  tables: [
    { table: 'billing_records', onDeletion: 'keep', why: 'billing records are kept 7 years (a coaching service: 10) for tax and accounting, then purged by the retention sweep', retention: 'billing-records' },
    { table: 'usage_records', onDeletion: 'keep', why: 'the usage ledger billing records are made from, kept with them', retention: 'billing-records' },
    { table: 'usage_batches', onDeletion: 'keep', why: 'how the usage ledger reached Stripe (one meter event a batch), kept with it', retention: 'billing-records' },
    { table: 'balance_ledger', onDeletion: 'keep', why: 'the prepaid balance ledger, kept with the billing records (purged entries leave a carried-forward total)', retention: 'billing-records' },
  ],
  exports: [billingExport],
  reads: ['organizations', 'webhook_receipts', 'learners'],
  notificationKinds: ['billing.payment_failed', 'billing.suspended', 'billing.restored', 'billing.low_balance', 'billing.top_up_received', 'coaching.top_up_received', 'coaching.balance_refunded'],
  processors: [{ name: 'Stripe', role: 'payments, subscriptions and top-ups', data: ['name and email', 'payment details (held by Stripe, never by us)', 'amounts and invoices'], location: 'United States and Ireland', when: 'STRIPE_SECRET_KEY is set' }],
};
