import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import type { Db } from '../../platform/db/knex';
import { withinDeadline } from '../../platform/http/deadline';
import { practiceEventSignal, type PracticeEvent } from '../../../workflows/coaching/definitions';
import { VapiArtifact } from '../engines/vapiClient';
import { reportFromVapi } from '../engines/vapiReport';

/** Vapi's HMAC credential: `x-signature` = hex HMAC-SHA256 of `<x-timestamp>.<raw body>`, within 5 minutes. */
export function verifyVapiSignature(raw: Buffer, headers: { signature?: string; timestamp?: string }, secret: string, now = Date.now()): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{9,14}$/.test(timestamp)) return false;
  const at = Number(timestamp) > 1e12 ? Number(timestamp) : Number(timestamp) * 1000; // the unit is not documented
  if (Math.abs(now - at) > 5 * 60_000) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex'));
  const given = Buffer.from(signature.replace(/^sha256=/, ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const ServerMessage = z.object({
  message: z.looseObject({
    type: z.string().max(100),
    status: z.string().max(100).optional(),
    endedReason: z.string().max(500).optional(),
    startedAt: z.string().max(64).optional(),
    endedAt: z.string().max(64).optional(),
    artifact: VapiArtifact.optional(),
    call: z.looseObject({ id: z.string().min(1).max(100), assistant: z.looseObject({ metadata: z.record(z.string(), z.unknown()).optional() }).optional() }).optional(),
    assistant: z.looseObject({ metadata: z.record(z.string(), z.unknown()).optional() }).optional(),
  }),
});

/**
 * `POST /vapi/events`: Vapi's server messages for practice calls. The raw body's HMAC is checked first (a
 * forged or stale message: 401, nothing changes). A status update or end-of-call report is matched to its
 * practice call by our attempt key in the assistant's metadata (or the Vapi call id) and signalled to the
 * practice call's workflow, which takes the first report of each call and ignores repeats. Vapi does not
 * retry a delivery, so the answer is always quick; a report that never arrives is fetched from Vapi's API
 * by the workflow.
 */
export function vapiEventRoutes(deps: { db: Db; temporal: Client; config: Config }): Router {
  const router = Router();
  router.post('/events', express.raw({ type: '*/*', limit: '2mb' }), async (req, res) => {
    const secret = deps.config.vapi?.webhookSecret;
    if (!secret) return void res.status(503).json({ error: { code: 'vapi_off', message: 'Vapi webhooks are not configured (VAPI_WEBHOOK_SECRET)' } });
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyVapiSignature(raw, { signature: req.header('x-signature'), timestamp: req.header('x-timestamp') }, secret)) {
      req.log.warn('Vapi message with a bad or stale signature refused');
      return void res.status(401).json({ error: { code: 'invalid_signature', message: 'x-signature does not match' } });
    }
    let parsed;
    try {
      parsed = ServerMessage.safeParse(JSON.parse(raw.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) return void res.status(400).json({ error: { code: 'invalid_request', message: 'not a Vapi server message' } });
    const message = parsed.data.message;
    const callId = message.call?.id;
    const attemptKey = message.call?.assistant?.metadata?.attemptKey ?? message.assistant?.metadata?.attemptKey;
    const practiceCallId = typeof attemptKey === 'string' ? attemptKey.split(':')[0] : undefined;
    if (!callId || (message.type !== 'status-update' && message.type !== 'end-of-call-report')) return void res.json({ received: true, outcome: 'ignored' });

    const row = await deps.db('practice_calls')
      .modify((q) => void (practiceCallId ? q.where({ id: practiceCallId }) : q.where({ provider_call_id: callId })))
      .first('id', 'workflow_id', 'provider_call_id');
    // A call of ours is matched by our key; a key naming a practice call placed as another Vapi call is not ours.
    if (!row || (row.provider_call_id && row.provider_call_id !== callId)) {
      req.log.warn({ callId }, 'Vapi message for no practice call of ours');
      return void res.json({ received: true, outcome: 'unknown call' });
    }
    const event: PracticeEvent =
      message.type === 'status-update'
        ? { kind: 'status', providerCallId: callId, status: message.status ?? 'unknown', endedReason: message.endedReason }
        : { kind: 'report', report: reportFromVapi({ callId, endedReason: message.endedReason, startedAt: message.startedAt, endedAt: message.endedAt, artifact: message.artifact }) };
    try {
      await withinDeadline(deps.temporal.workflow.getHandle(row.workflow_id).signal(practiceEventSignal, event), deps.config.http.webhookDeadlineMs, (err) => req.log.warn({ err }, 'Vapi message signalled late'));
    } catch (err) {
      // Not delivered: the practice call fetches the report from Vapi when it does not come.
      req.log.warn({ err, practiceCallId: row.id, type: message.type }, 'Vapi message not delivered to its practice call');
      return void res.json({ received: true, outcome: 'not delivered' });
    }
    res.json({ received: true, outcome: 'delivered' });
  });
  return router;
}
