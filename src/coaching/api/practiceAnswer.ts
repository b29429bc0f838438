import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import type { Db } from '../../platform/db/knex';
import { parseWebhook } from '../../calls/api/webhookParams';
import { renderCallAction, sayAndHangUp } from '../../calls/api/twiml';
import { answerInTime, MAX_ATTEMPTS } from '../../calls/api/answerInTime';
import { callWorkflowId, turnUpdate } from '../../../workflows/calls/definitions';

const answerParams = z.looseObject({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio CallSid'),
  AnsweredBy: z.string().max(40).optional(),
});
const answerQuery = z.object({ practice: z.string().regex(/^practice-call:/).max(200), attempt: z.coerce.number().int().min(1).max(MAX_ATTEMPTS).default(1) });

const MACHINE = /^(machine|fax)/;
const HOLD_ON = 'Hello! One moment please.';
const SORRY = "Sorry, your coach can't talk right now. We'll call you again soon. Goodbye.";

/**
 * `POST /twilio/coach/answer?practice=<workflow id>` (signed like every Twilio webhook): the learner's
 * phone was answered on a call the built-in engine placed. Answering-machine detection has spoken by now:
 * a machine is hung up on (the practice call counts it as voicemail); a person hears the coach, whose
 * conversation is the call workflow's Update, as on an incoming call. Answered within the deadline like
 * every voice webhook (answerInTime), Twilio asking again (the same Update id) if the workflow is slow.
 */
export function practiceAnswerRoutes(deps: { db: Db; temporal: Client; config: Config }): Router {
  const router = Router();
  router.post('/answer', async (req, res) => {
    const params = parseWebhook(answerParams, req, res);
    if (!params) return;
    const query = answerQuery.safeParse(req.query);
    if (!query.success) return void res.type('text/xml').send(sayAndHangUp(SORRY));
    const { practice, attempt } = query.data;
    const publicBase = deps.config.http.publicBaseUrl;
    const retryUrl = `${publicBase}/twilio/coach/answer?practice=${encodeURIComponent(practice)}&attempt=${attempt + 1}`;
    await answerInTime(req, res, { deadlineMs: deps.config.http.webhookDeadlineMs, attempt, retryUrl, hold: HOLD_ON, giveUp: SORRY }, async () => {
      if (params.AnsweredBy && MACHINE.test(params.AnsweredBy)) {
        await deps.db('practice_calls').where({ workflow_id: practice, provider_call_id: params.CallSid }).update({ ended_reason: `answered-by:${params.AnsweredBy}` });
        req.log.info({ callSid: params.CallSid, answeredBy: params.AnsweredBy }, 'practice call reached a machine: hung up');
        return renderCallAction({ type: 'hangup', say: '' }, publicBase);
      }
      // The call workflow starts as the call is placed; not found yet, or slow: Twilio asks again shortly.
      const action = await deps.temporal.workflow.getHandle(callWorkflowId(params.CallSid)).executeUpdate(turnUpdate, { args: [{ kind: 'answer' }], updateId: 'answer' });
      return renderCallAction(action, publicBase);
    });
  });
  return router;
}
