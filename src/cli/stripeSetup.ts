/**
 * `npm run stripe:setup -- [--base 4900] [--included-minutes 300] [--per-minute 25] [--currency usd]`:
 * creates, or finds, the Stripe Billing Meter for call seconds and the receptionist plan's prices (monthly
 * base, metered minutes beyond the included ones), and prints their ids for STRIPE_BASE_PRICE_ID and
 * STRIPE_USAGE_PRICE_ID. The plan defaults to the PLAN_* settings, so Stripe and our billing records
 * agree. Prices are found again by lookup key, so running it twice creates nothing new.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureCatalog } from '../billing/catalog';
import { loadConfig } from '../platform/config';
import { runEntryPoint } from '../platform/lifecycle';
import { createStripeClient } from '../platform/providers/stripe';

const Options = z.object({
  base: z.coerce.number().int().min(0).optional(),
  'included-minutes': z.coerce.number().int().min(0).optional(),
  'per-minute': z.coerce.number().int().min(0).optional(),
  currency: z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code').optional(),
});

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['STRIPE_SECRET_KEY'] });
  if (!config.stripe) throw new Error('STRIPE_SECRET_KEY is required'); // loadConfig has said so already
  const { values } = parseArgs({ options: { base: { type: 'string' }, 'included-minutes': { type: 'string' }, 'per-minute': { type: 'string' }, currency: { type: 'string' } } });
  const options = Options.parse(values);
  const { plan } = config.billing;
  const catalog = await ensureCatalog(createStripeClient(config.stripe), {
    meterEventName: config.stripe.meterEventName,
    currency: options.currency ?? plan.currency.toLowerCase(),
    baseMonthlyMinor: options.base ?? plan.baseMonthlyMinor,
    includedMinutes: options['included-minutes'] ?? plan.includedMinutes,
    perMinuteMinor: options['per-minute'] ?? plan.perMinuteMinor,
  });
  process.stdout.write(
    `Billing Meter   ${catalog.meterId}  (event ${config.stripe.meterEventName})\n` +
      `STRIPE_BASE_PRICE_ID=${catalog.basePriceId}\nSTRIPE_USAGE_PRICE_ID=${catalog.usagePriceId}\n`,
  );
}

runEntryPoint(main);
