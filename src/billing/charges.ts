import type { BillingConfig } from '../platform/config';

export interface PeriodCharges {
  baseAmountMinor: number;
  usageAmountMinor: number;
  amountMinor: number;
  currency: string;
  includedMinutes: number;
}

/**
 * What a subscription period costs: the base fee, and each second beyond the included minutes at the
 * per-minute price (rounded to the minor unit once, for the period). The same arithmetic as the Stripe
 * price `npm run stripe:setup` creates (a graduated tier free up to the included seconds), so our record
 * and Stripe's invoice agree. Prepaid periods cost nothing here: every call was debited as it ended.
 */
export function periodCharges(plan: BillingConfig['plan'], mode: 'subscription' | 'prepaid', billableSeconds: number): PeriodCharges {
  if (mode === 'prepaid') return { baseAmountMinor: 0, usageAmountMinor: 0, amountMinor: 0, currency: plan.currency, includedMinutes: 0 };
  const overSeconds = Math.max(0, billableSeconds - plan.includedMinutes * 60);
  const usageAmountMinor = Math.round((overSeconds * plan.perMinuteMinor) / 60);
  return {
    baseAmountMinor: plan.baseMonthlyMinor,
    usageAmountMinor,
    amountMinor: plan.baseMonthlyMinor + usageAmountMinor,
    currency: plan.currency,
    includedMinutes: plan.includedMinutes,
  };
}
