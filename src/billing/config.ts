import { z } from 'zod';
import { count, currency, httpUrl, milliseconds, optionalMilliseconds, optionalText, setting } from '../platform/config/settings';

/** Without a secret key billing is off (usage is still recorded in the ledger). */
export const stripe = {
  secretKey: setting('STRIPE_SECRET_KEY', optionalText.pipe(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key (sk_test_…, sk_live_…)').optional())),
  /** A local server speaking Stripe's API (stripe-mock in tests); unset in production. */
  apiUrl: setting('STRIPE_API_URL', httpUrl().optional()),
  /** Verifies `Stripe-Signature` on POST /stripe/webhook; without it the endpoint refuses every event. */
  webhookSecret: setting('STRIPE_WEBHOOK_SECRET', optionalText.pipe(z.string().startsWith('whsec_', "must be the endpoint's signing secret (whsec_…)").optional())),
  /** The Billing Meter's event name that call seconds are reported under. */
  meterEventName: setting('STRIPE_METER_EVENT_NAME', z.string().regex(/^[a-z0-9_]{1,100}$/, 'must be lowercase letters, digits and _').default('callgenly_call_seconds')),
  /** The plan's prices, as `npm run stripe:setup` printed them; without both no subscription is created. */
  basePriceId: setting('STRIPE_BASE_PRICE_ID', optionalText.pipe(z.string().startsWith('price_', 'must be a Stripe price id (price_…)').optional())),
  usagePriceId: setting('STRIPE_USAGE_PRICE_ID', optionalText.pipe(z.string().startsWith('price_', 'must be a Stripe price id (price_…)').optional())),
  /**
   * At most this many calls in one usage batch (one meter event, one signal to the billing cycle): bounds the
   * signal's size (about 100 bytes a call) and the rows one claim locks. 1 reports every call on its own.
   */
  usageBatchMaxCalls: setting('USAGE_BATCH_MAX_CALLS', count(500, 1, 2000)),
};

/** The receptionist plan and the billing cycle's timing, with or without Stripe. */
export const billing = {
  /** A monthly base fee with minutes included, then a price per minute (billed by the second). */
  plan: {
    currency: setting('PLAN_CURRENCY', currency()),
    baseMonthlyMinor: setting('PLAN_BASE_MONTHLY_MINOR', count(4900, 0)),
    includedMinutes: setting('PLAN_INCLUDED_MINUTES', count(300, 0)),
    perMinuteMinor: setting('PLAN_PER_MINUTE_MINOR', count(25, 0)),
  },
  /** A billing period's length; unset means a calendar month (UTC). Short in tests. */
  periodMs: setting('BILLING_PERIOD_MS', optionalMilliseconds(1_000)),
  /** How long a failed payment may stay unpaid before the organization is suspended. */
  dunningMs: setting('BILLING_DUNNING_MS', milliseconds(14 * 24 * 3600_000, 1_000)),
  recordRetentionYears: setting('BILLING_RECORD_RETENTION_YEARS', count(7, 1, 30)),
};

/** Organizations on a prepaid balance pay per started unit; calls stop at zero. */
export const prepaid = {
  perUnitMinor: setting('PREPAID_PRICE_PER_UNIT_MINOR', count(10, 0)),
  unitSeconds: setting('PREPAID_UNIT_SECONDS', count(60, 1, 3600)),
  currency: setting('PREPAID_CURRENCY', currency()),
  lowBalanceMinor: setting('PREPAID_LOW_BALANCE_MINOR', count(500, 0)),
  usageCatchUpIntervalMs: setting('USAGE_CATCH_UP_INTERVAL_MS', milliseconds(3_600_000, 1_000)),
};
