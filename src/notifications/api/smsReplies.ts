import { Router } from 'express';
import type { Client } from '@temporalio/client';
import twilio from 'twilio';
import { z } from 'zod';
import type { BookingService } from '../../booking/bookingService';
import { spokenTime } from '../../booking/spokenTime';
import type { Db } from '../../platform/db/knex';
import type { FieldCipher } from '../../platform/crypto/fieldEncryption';
import { phoneMatch } from '../../platform/crypto/phoneNumbers';
import { bookingRepository } from '../../booking/repositories/booking';
import { organizationsRepository } from '../../accounts/repositories/organizations';
import { withTenant } from '../../platform/db/tenancy';
import { toE164 } from '../../platform/phone';
import { parseWebhook } from '../../calls/api/webhookParams';
import type { SmsChannel } from '../channels/sms';
import { withdrawConsentOfNumber } from '../../coaching/consent';
import { pausePlanSchedulesSoon } from '../../coaching/plans';

const smsParams = z.looseObject({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio MessageSid'),
  From: z.string().min(1),
  To: z.string().min(1),
  Body: z.string().default(''),
});

/**
 * Texts to an organization's number. STOP (and Twilio's other opt-out words, CANCEL among them) and
 * START are recorded for the SMS channel, which then never texts that person from this number again
 * (Twilio blocks it too, and answers them itself). "C" cancels the sender's next appointment there: the
 * booking workflow is signalled (Twilio's webhook does not wait for it) and the customer gets the
 * cancellation text from the workflow. Anything else gets no automatic answer.
 */
export function smsRoutes(deps: { db: Db; fields: FieldCipher; booking: BookingService; sms: SmsChannel; temporal: Client }): Router {
  const router = Router();
  const reply = (text?: string) => {
    const response = new twilio.twiml.MessagingResponse();
    if (text) response.message(text);
    return response.toString();
  };

  router.post('/incoming', async (req, res) => {
    const params = parseWebhook(smsParams, req, res);
    if (!params) return;
    res.type('text/xml');
    const org = await organizationsRepository(deps.db).findByPhoneNumber(params.To);
    const from = toE164(params.From);
    if (!org || !from) return void res.send(reply());
    const keyword = await deps.sms.handleKeyword({ from, to: params.To, body: params.Body });
    if (keyword) {
      req.log.info({ orgId: org.id, keyword }, 'SMS opt-out keyword recorded');
      // STOP also revokes a learner's consent to be called by this organization (a "reasonable means").
      if (keyword === 'opted_out') {
        const paused = await withdrawConsentOfNumber(deps.db, { orgId: org.id, e164: from, via: 'sms', requestId: String(req.id ?? '') });
        await pausePlanSchedulesSoon(deps, paused, req.log);
      }
      return void res.send(reply());
    }
    if (params.Body.trim().toUpperCase() !== 'C') return void res.send(reply());
    // A text delivered twice (Twilio retrying) must not cancel a second appointment.
    const first = await deps.db('webhook_receipts').insert({ source: 'twilio-sms', id: params.MessageSid }).onConflict(['source', 'id']).ignore().returning('id');
    if (first.length === 0) return void res.send(reply());
    const sender = await phoneMatch(deps.fields, org.id, from);
    const next = await withTenant(deps.db, org.id, (trx) => bookingRepository(trx).nextAppointmentOf(sender, new Date()));
    if (!next) return void res.send(reply(`${org.name}: we found no upcoming appointment for this number.`));
    if (!(await deps.booking.requestCancel(org.id, next.id, 'cancelled by text reply'))) {
      return void res.send(reply(`${org.name}: we found no upcoming appointment for this number.`));
    }
    req.log.info({ orgId: org.id, appointmentId: next.id }, 'appointment cancelled by text reply');
    res.send(reply(`${org.name}: cancelling your appointment on ${spokenTime(next.starts_at, org.time_zone)}. You will get a confirmation shortly.`));
  });

  return router;
}
