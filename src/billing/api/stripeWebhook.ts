import express, { Router } from 'express';
import Stripe from 'stripe';
import { handleStripeEvent, type HandledEvent, type StripeEventDeps } from '../stripeEvents';
import type { Db } from '../../platform/db/knex';
import { DeadlineExceeded, withinDeadline } from '../../platform/http/deadline';

/**
 * `POST /stripe/webhook`: the raw body's `Stripe-Signature` is verified with the endpoint secret (bad or
 * older than 5 minutes: 400, nothing changes). Each event is handled once: its id goes into
 * webhook_receipts in the same transaction as its effect, so a redelivery finds it and changes nothing,
 * and an effect that fails (Stripe or Temporal unreachable) answers 500 and leaves the event for Stripe's retry.
 * An effect slower than WEBHOOK_DEADLINE_MS is answered 503 in time, and finishes (or not) on its own.
 */
export function stripeWebhookRoutes(deps: StripeEventDeps & { db: Db }): Router {
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
    const work = deps.db.transaction(async (trx): Promise<HandledEvent> => {
      const first = await trx('webhook_receipts').insert({ source: 'stripe', id: event.id }).onConflict(['source', 'id']).ignore().returning('id');
      if (first.length === 0) return { outcome: 'duplicate' };
      return handleStripeEvent(trx, event, deps);
    });
    let handled: HandledEvent;
    try {
      // Stripe must hear back in time: past the deadline it is told to try again, while the work goes on. If
      // that commits, the retry finds the receipt ('duplicate'); if it fails, the retry does it.
      handled = await withinDeadline(work, deps.config.http.webhookDeadlineMs, (err) => req.log.warn({ err, eventId: event.id }, 'Stripe event failed after its answer'));
    } catch (error) {
      if (!(error instanceof DeadlineExceeded)) throw error;
      req.log.warn({ eventId: event.id, type: event.type }, 'Stripe event not handled within the deadline; Stripe will retry');
      return void res.status(503).set('Retry-After', '60').json({ error: { code: 'try_again', message: 'Still working on this event; deliver it again later' } });
    }
    const { outcome, notices } = handled;
    if (notices) await deps.notifier.start(notices);
    req.log.info({ eventId: event.id, type: event.type, outcome }, 'Stripe event');
    res.json({ received: true, outcome });
  });
  return router;
}
