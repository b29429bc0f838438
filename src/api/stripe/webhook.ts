import express, { Router } from 'express';
import Stripe from 'stripe';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { balancesOf, creditTopUp } from '../../billing/topUps';
import type { Notifier, Written } from '../../notifications/notifier';
import type { Logger } from '../../logger';

/**
 * `POST /stripe/webhook`: the raw body's `Stripe-Signature` is verified with the endpoint secret (bad or
 * older than 5 minutes: 400, nothing changes). Each event is handled once: its id goes into
 * webhook_receipts in the same transaction as its effect, so a redelivery finds it and changes nothing.
 */
export function stripeWebhookRoutes(deps: { config: Config; db: Db; logger: Logger; notifier: Notifier }): Router {
  const router = Router();
  const secret = deps.config.stripe?.webhookSecret;
  router.post('/webhook', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    if (!secret) return void res.status(503).json({ error: { code: 'billing_off', message: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)' } });
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(req.body as Buffer, req.header('stripe-signature') ?? '', secret);
    } catch (error) {
      return void res.status(400).json({ error: { code: 'invalid_signature', message: (error as Error).message } });
    }
    const { outcome, notices } = await deps.db.transaction(async (trx): Promise<{ outcome: string; notices?: Written }> => {
      const first = await trx('webhook_receipts').insert({ source: 'stripe', id: event.id }).onConflict(['source', 'id']).ignore().returning('id');
      if (first.length === 0) return { outcome: 'duplicate' };
      switch (event.type) {
        case 'checkout.session.completed':
        case 'checkout.session.async_payment_succeeded': {
          const credited = await creditTopUp(trx, event.data.object);
          if (!credited) return { outcome: 'nothing to credit' };
          // The owners hear of it, written with the credit (one notice per session, like the credit).
          const balance = (await balancesOf(trx, credited.orgId)).find((b) => b.currency === credited.amount.currency)!;
          const notices = await deps.notifier.write(
            { kind: 'billing.top_up_received', orgId: credited.orgId, payload: { amount: credited.amount, balance }, to: { roles: ['owner'] }, cause: `topup-received:${event.data.object.id}` },
            trx,
          );
          return { outcome: 'credited', notices };
        }
        default:
          return { outcome: 'ignored' };
      }
    });
    if (notices) await deps.notifier.start(notices);
    req.log.info({ eventId: event.id, type: event.type, outcome }, 'Stripe event');
    res.json({ received: true, outcome });
  });
  return router;
}
