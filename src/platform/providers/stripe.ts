import Stripe from 'stripe';
import type { StripeConfig } from '../config';

/**
 * The real `stripe` SDK. Every write passes a deterministic idempotency key (the SDK's own key is random
 * per call, so it would not survive an activity retry). STRIPE_API_URL points it at stripe-mock in tests.
 */
export function createStripeClient(config: StripeConfig): Stripe {
  const local = config.apiUrl ? new URL(config.apiUrl) : undefined;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: 2,
    timeout: 15_000, // inside the activity's timeout, so a retry never overlaps a request still running
    ...(local ? { host: local.hostname, port: Number(local.port || (local.protocol === 'https:' ? 443 : 80)), protocol: local.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });
}
