import type { Express } from 'express';
import Stripe from 'stripe';
import request from 'supertest';
import type { Services } from '../../src/services';
import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { startApi } from './api';
import { stack as servers } from './stack';

/** An API whose Stripe is stripe-mock behind a recorder, with its webhook secret; and Stripe's side of a webhook. */
export interface StripeApi {
  api: { services: Services; app: Express; close(): Promise<void> };
  stripe: StripeRecorder;
  /** Posts `payload` to /stripe/webhook signed as Stripe signs it (another secret or timestamp to test refusals). */
  deliver(payload: object, options?: { secret?: string; timestamp?: number }): request.Test;
  /** An event of `type` around `object`, with a fresh id unless one is given (a redelivery). */
  event(type: string, object: Record<string, unknown>, id?: string): { id: string; type: string; data: { object: Record<string, unknown> } };
  close(): Promise<void>;
}

let counter = 0;

export async function startStripeApi(webhookSecret: string, env: Record<string, string> = {}): Promise<StripeApi> {
  const stripe = await startStripeRecorder(servers.stripeUrl());
  const api = await startApi({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: stripe.url, STRIPE_WEBHOOK_SECRET: webhookSecret, ...env });
  return {
    api,
    stripe,
    deliver(payload, { secret = webhookSecret, timestamp } = {}) {
      const body = JSON.stringify(payload);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
      return request(api.app).post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(body);
    },
    event: (type, object, id) => ({ id: id ?? `evt_test_${Date.now()}_${counter++}`, object: 'event', type, api_version: '2026-10-28', created: Math.floor(Date.now() / 1000), data: { object } }),
    async close() {
      await api.close();
      await stripe.close();
    },
  };
}
