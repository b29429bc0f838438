import { Router, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import type { Db } from '../../platform/db/knex';
import { withinDeadline } from '../../platform/http/deadline';
import { parseWebhook } from '../../calls/api/webhookParams';
import { holdAndRetry, renderCallAction, sayAndHangUp } from '../../calls/api/twiml';
import { callWorkflowId, turnUpdate } from '../../../workflows/calls/definitions';

const answerParams = z.looseObject({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio CallSid'),
  AnsweredBy: z.string().max(40).optional(),
});
const answerQuery = z.object({ practice: z.string().regex(/^practice-call:/).max(200), attempt: z.coerce.number().int().min(1).max(3).default(1) });

const MACHINE = /^(machine|fax)/;
const HOLD_ON = 'Hello! One moment please.';
const SORRY = "Sorry, your coach can't talk right now. We'll call you again soon. Goodbye.";

/**
 * `POST /twilio/coach/answer?practice=<workflow id>` (signed like every Twilio webhook): the learner's
 * phone was answered on a call the built-in engine placed. Answering-machine detection has spoken by now:
 * a machine is hung up on (the practice call counts it as voicemail); a person hears the coach, whose
 * conversation is the call workflow's Update, as on an incoming call. Answered within the deadline, with
 * Twilio asked again (the same Update id) if the workflow is slow.
 */
export function practiceAnswerRoutes(deps: { db: Db; temporal: Client; config: Config }): Router {
  const router = Router();
  const twiml = (res: Response, xml: string) => res.type('text/xml').send(xml);
  router.post('/answer', async (req, res) => {
    const params = parseWebhook(answerParams, req, res);
    if (!params) return;
    const query = answerQuery.safeParse(req.query);
    if (!query.success) return twiml(res, sayAndHangUp(SORRY));
    const { practice, attempt } = query.data;
    if (params.AnsweredBy && MACHINE.test(params.AnsweredBy)) {
      await deps.db('practice_calls').where({ workflow_id: practice, provider_call_id: params.CallSid }).update({ ended_reason: `answered-by:${params.AnsweredBy}` });
      req.log.info({ callSid: params.CallSid, answeredBy: params.AnsweredBy }, 'practice call reached a machine: hung up');
      const hangup = sayAndHangUp('');
      return twiml(res, hangup);
    }
    const publicBase = deps.config.http.publicBaseUrl;
    const retryUrl = `${publicBase}/twilio/coach/answer?practice=${encodeURIComponent(practice)}&attempt=${attempt + 1}`;
    try {
      const action = await withinDeadline(
        deps.temporal.workflow.getHandle(callWorkflowId(params.CallSid)).executeUpdate(turnUpdate, { args: [{ kind: 'answer' }], updateId: 'answer' }),
        deps.config.http.webhookDeadlineMs,
        (err) => req.log.warn({ err }, 'practice call answered late'),
      );
      twiml(res, renderCallAction(action, publicBase));
    } catch (err) {
      // The call workflow starts as the call is placed; not found yet, or slow: ask again shortly.
      req.log.warn({ err, callSid: params.CallSid, attempt, notFound: err instanceof WorkflowNotFoundError }, 'practice call answer not ready');
      twiml(res, attempt < 3 ? holdAndRetry(HOLD_ON, retryUrl) : sayAndHangUp(SORRY));
    }
  });
  return router;
}
