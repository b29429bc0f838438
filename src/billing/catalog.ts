import Stripe from 'stripe';

/** The prices a subscription is made of, found by lookup key so setup can run any number of times. */
export const PRICE_LOOKUP_KEYS = { base: 'callgenly_receptionist_base_monthly', usage: 'callgenly_receptionist_minutes' } as const;

export interface CatalogSettings {
  meterEventName: string;
  currency: string;
  baseMonthlyMinor: number;
  includedMinutes: number;
  perMinuteMinor: number;
}

export interface Catalog {
  meterId: string;
  basePriceId: string;
  usagePriceId: string;
}

/**
 * The Stripe objects billing needs, created when missing and found otherwise (meters by event name,
 * prices by lookup key), each create with a deterministic idempotency key:
 * - the Billing Meter summing the seconds our meter events report per customer;
 * - the plan's monthly base price, and its metered price: the month's seconds free up to the included
 *   minutes, then each second at a sixtieth of the per-minute price (Stripe rounds the invoice line once).
 *   Tiers cannot be combined with transform_quantity, so the tiers count seconds.
 * Prices never change once created; a changed plan needs prices under new lookup keys.
 */
export async function ensureCatalog(stripe: Stripe, settings: CatalogSettings): Promise<Catalog> {
  const meters = await stripe.billing.meters.list({ status: 'active', limit: 100 });
  const meter =
    meters.data.find((m) => m.event_name === settings.meterEventName) ??
    (await stripe.billing.meters.create(
      {
        display_name: 'Callgenly call seconds',
        event_name: settings.meterEventName,
        default_aggregation: { formula: 'sum' },
        customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: { event_payload_key: 'value' },
      },
      { idempotencyKey: `meter:${settings.meterEventName}` },
    ));
  const existing = await stripe.prices.list({ lookup_keys: Object.values(PRICE_LOOKUP_KEYS), active: true, limit: 10 });
  const byKey = new Map(existing.data.map((p) => [p.lookup_key, p.id]));
  const basePriceId =
    byKey.get(PRICE_LOOKUP_KEYS.base) ??
    (
      await stripe.prices.create(
        {
          currency: settings.currency,
          unit_amount: settings.baseMonthlyMinor,
          recurring: { interval: 'month', usage_type: 'licensed' },
          product_data: { name: 'Callgenly receptionist' },
          lookup_key: PRICE_LOOKUP_KEYS.base,
        },
        { idempotencyKey: `price:${PRICE_LOOKUP_KEYS.base}:${settings.currency}:${settings.baseMonthlyMinor}` },
      )
    ).id;
  const perSecond = Stripe.Decimal.from(settings.perMinuteMinor).div(Stripe.Decimal.from(60), 12, 'half-up');
  const pricing: Pick<Stripe.PriceCreateParams, 'billing_scheme' | 'tiers_mode' | 'tiers' | 'unit_amount_decimal'> =
    settings.includedMinutes > 0
      ? {
          billing_scheme: 'tiered',
          tiers_mode: 'graduated',
          tiers: [
            { up_to: settings.includedMinutes * 60, unit_amount: 0 },
            { up_to: 'inf', unit_amount_decimal: perSecond },
          ],
        }
      : { unit_amount_decimal: perSecond };
  const usagePriceId =
    byKey.get(PRICE_LOOKUP_KEYS.usage) ??
    (
      await stripe.prices.create(
        {
          currency: settings.currency,
          ...pricing,
          recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
          product_data: { name: 'Callgenly call minutes' },
          lookup_key: PRICE_LOOKUP_KEYS.usage,
        },
        { idempotencyKey: `price:${PRICE_LOOKUP_KEYS.usage}:${settings.currency}:${settings.includedMinutes}:${settings.perMinuteMinor}:${meter.id}` },
      )
    ).id;
  return { meterId: meter.id, basePriceId, usagePriceId };
}
