/**
 * `npm run stripe:setup -- [--base 4900] [--per-minute 25] [--currency usd]`: creates, or finds, the Stripe
 * Billing Meter for call seconds and the receptionist plan's prices (monthly base, metered minutes), and
 * prints their ids. Prices are found again by lookup key, so running it twice creates nothing new.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureCatalog } from '../billing/catalog';
import { loadConfig } from '../config';
import { runEntryPoint } from '../lifecycle';
import { createStripeClient } from '../providers/stripe';

const Options = z.object({
  base: z.coerce.number().int().min(0).default(4900),
  'per-minute': z.coerce.number().int().min(0).default(25),
  currency: z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code').default('usd'),
});

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['STRIPE_SECRET_KEY'] });
  if (!config.stripe) throw new Error('STRIPE_SECRET_KEY is required'); // loadConfig has said so already
  const { values } = parseArgs({ options: { base: { type: 'string' }, 'per-minute': { type: 'string' }, currency: { type: 'string' } } });
  const options = Options.parse(values);
  const catalog = await ensureCatalog(createStripeClient(config.stripe), {
    meterEventName: config.stripe.meterEventName,
    currency: options.currency,
    baseMonthlyMinor: options.base,
    perMinuteMinor: options['per-minute'],
  });
  process.stdout.write(`Billing Meter   ${catalog.meterId}  (event ${config.stripe.meterEventName})\nBase price      ${catalog.basePriceId}\nMinutes price   ${catalog.usagePriceId}\n`);
}

runEntryPoint(main);
