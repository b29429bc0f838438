import { Router, type Request, type Response } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import { newId } from '../../platform/db/ids';
import type { Db } from '../../platform/db/knex';
import type { FieldCipher } from '../../platform/crypto/fieldEncryption';
import { callsRepository, recordCallStarted } from '../repositories/calls';
import { permanentRefusal } from '../../platform/db/refusals';
import { organizationsRepository } from '../../accounts/repositories/organizations';
import { toE164 } from '../../platform/phone';
import {
  callStatusSignal,
  TERMINAL_CALL_STATUSES,
  callWorkflowId,
  greetingAction,
  turnUpdate,
  type CallAction,
  type CallStart,
  type TurnInput,
} from '../../../workflows/calls/definitions';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { parseWebhook } from './webhookParams';
import { EMPTY_TWIML, renderCallAction, sayAndHangUp } from './twiml';
import { answerInTime, MAX_ATTEMPTS, untilDeadline } from './answerInTime';
import { DeadlineExceeded, withinDeadline } from '../../platform/http/deadline';
import { withTenant } from '../../platform/db/tenancy';
import { balancesOf } from '../../billing/topUps';
import { stageTimings } from '../../platform/stageTimings';

/** Parsed after the signature check, never strictly: Twilio adds parameters without notice. */
const callParams = z.looseObject({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio CallSid'),
  From: z.string().default(''),
  To: z.string().default(''),
  Direction: z.string().default('inbound'),
});
const turnParams = z.looseObject({ CallSid: callParams.shape.CallSid, SpeechResult: z.string().optional(), DialCallStatus: z.string().optional() });
const attempt = z.coerce.number().int().min(1).max(MAX_ATTEMPTS).default(1);
const incomingQuery = z.object({ attempt });
const turnQuery = z.object({ n: z.coerce.number().int().min(1).max(10_000), dial: z.literal('1').optional(), attempt });
const statusParams = z.looseObject({
  CallSid: callParams.shape.CallSid,
  CallStatus: z.string().min(1),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
});
const recordingParams = z.looseObject({
  CallSid: callParams.shape.CallSid,
  RecordingSid: z.string().regex(/^RE[0-9a-fA-F]{32}$/),
  RecordingStatus: z.string().min(1),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
  RecordingUrl: z.url().optional(),
});

const NOT_IN_SERVICE = 'Sorry, this number is not in service. Goodbye.';
const CALL_OVER = 'Sorry, this call has ended. Please call back. Goodbye.';
const OUT_OF_CREDIT = 'Sorry, this service is paused until the account is topped up. Please try again later. Goodbye.';
const HOLD_ON = 'Sorry, just a moment please.';
const CANNOT_ANSWER = "Sorry, we can't take your call right now. Please try again in a few minutes. Goodbye.";
const NOT_RECORDED = "Sorry, we can't take your call right now. Please try again later. Goodbye.";

export interface VoiceDeps {
  db: Db;
  fields: FieldCipher;
  temporal: Client;
  config: Config;
}

async function prepaidBalance(db: Db, orgId: string, currency: string): Promise<number> {
  const balance = await withTenant(db, orgId, async (trx) => (await balancesOf(trx)).find((b) => b.currency === currency));
  return balance?.amountMinor ?? 0;
}

const messageOnlyGreeting = (name: string) =>
  `Thank you for calling ${name}. Nobody can take your call right now, but I can take a message. What's your name?`;

export function voiceRoutes(deps: VoiceDeps): Router {
  const router = Router();
  const { publicBaseUrl } = deps.config.http;
  const twiml = (res: Response, xml: string) => res.type('text/xml').send(xml);

  const inTime = (req: Request, res: Response, tries: { attempt: number; retryUrl: string }, work: () => Promise<string>) =>
    answerInTime(req, res, { deadlineMs: deps.config.http.webhookDeadlineMs, ...tries, hold: HOLD_ON, giveUp: CANNOT_ANSWER }, work);

  router.post('/incoming', async (req, res) => {
    const params = parseWebhook(callParams, req, res);
    if (!params) return;
    const tries = incomingQuery.safeParse(req.query);
    const attemptNo = tries.success ? tries.data.attempt : MAX_ATTEMPTS;
    await inTime(req, res, { attempt: attemptNo, retryUrl: `${publicBaseUrl}/twilio/voice/incoming?attempt=${attemptNo + 1}` }, () => answerCall(req, params));
  });

  async function answerCall(req: Request, params: z.infer<typeof callParams>): Promise<string> {
    const to = toE164(params.To);
    const org = to ? await stageTimings.time('answer: organization lookup', () => organizationsRepository(deps.db).findByPhoneNumber(to)) : undefined;
    if (!org || !to) {
      req.log.warn({ callSid: params.CallSid }, 'incoming call to a number no organization owns');
      return sayAndHangUp(NOT_IN_SERVICE);
    }
    // A prepaid organization pays per started unit: the call lasts as many whole units as the balance
    // pays for, and with not even one left no call is started, so nothing is owed.
    let prepaid: CallStart['prepaid'];
    if (org.billing_mode === 'prepaid') {
      const { perUnitMinor, unitSeconds, currency } = deps.config.prepaid;
      const balance = await stageTimings.time('answer: prepaid balance', () => prepaidBalance(deps.db, org.id, currency));
      const units = perUnitMinor > 0 ? Math.floor(balance / perUnitMinor) : Number.MAX_SAFE_INTEGER;
      if (units <= 0) {
        req.log.warn({ orgId: org.id, callSid: params.CallSid }, 'call refused: the prepaid balance is used up');
        return sayAndHangUp(OUT_OF_CREDIT);
      }
      if (units < Number.MAX_SAFE_INTEGER) prepaid = { secondsLeft: units * unitSeconds, warnSecondsBefore: unitSeconds };
    }
    // Unpaid or ended billing: the caller still reaches the business, but only to leave a message.
    const messageOnly = org.billing_status === 'suspended' || org.billing_status === 'cancelled';
    const start: CallStart = {
      callSid: params.CallSid,
      callId: newId('call'),
      orgId: org.id,
      direction: params.Direction.startsWith('outbound') ? 'outbound' : 'inbound',
      // Withheld and SIP/client callers have no number: kept as-is for the record, never texted.
      from: toE164(params.From) ?? (params.From.slice(0, 64) || 'anonymous'),
      to,
      phoneNumberId: org.phone_number_id,
      greeting: messageOnly ? messageOnlyGreeting(org.name) : org.greeting || `Thank you for calling ${org.name}. How can I help you?`,
      recording: { enabled: org.recording_enabled, announcement: org.recording_announcement },
      transferE164: org.transfer_e164 ?? undefined,
      agentDeadlineMs: deps.config.llm.turnTimeoutMs,
      statusCheckAfterMs: deps.config.calls.statusCheckAfterMs,
      statusGiveUpMs: deps.config.calls.statusGiveUpMs,
      prepaid,
      ...(messageOnly ? { messageOnly } : {}),
    };
    // The call row first (so it exists before any callback), then the call workflow started, not waited
    // for: the caller hears the greeting without waiting on the workflow's first task, which records the
    // same greeting (`greetingAction`) and runs everything after. A retried webhook finds the row (and its
    // id) and the running workflow, and says the same.
    let callId: string;
    try {
      callId = await stageTimings.time('answer: call row (sealed numbers + insert)', () => recordCallStarted(deps, start));
    } catch (err) {
      if (!permanentRefusal(err)) throw err; // tried again within the deadline
      req.log.error({ err, callSid: params.CallSid }, 'call not answered: the database refused its row');
      return sayAndHangUp(NOT_RECORDED);
    }
    const answered: CallStart = { ...start, callId, answeredAtStart: true };
    await stageTimings.time('answer: call workflow started (its first task not waited for)', () =>
      deps.temporal.workflow.start('callWorkflow', {
        workflowId: callWorkflowId(params.CallSid),
        taskQueue: deps.config.temporal.taskQueue,
        args: [answered],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [{ key: OrgId, value: org.id }],
      }),
    );
    return stageTimings.timeSync('answer: TwiML', () => renderCallAction(greetingAction(answered), publicBaseUrl));
  }

  router.post('/turn', async (req, res) => {
    const params = parseWebhook(turnParams, req, res);
    const query = turnQuery.safeParse(req.query);
    if (!params) return;
    if (!query.success) return twiml(res, sayAndHangUp(CALL_OVER));
    const { n, dial, attempt: attemptNo } = query.data;
    const input: TurnInput = dial
      ? { kind: 'transfer-ended', dialStatus: params.DialCallStatus ?? 'failed' }
      : params.SpeechResult?.trim()
        ? { kind: 'speech', text: params.SpeechResult.trim() }
        : { kind: 'silence' };
    // Asked again, the same Update id attaches to the turn already under way (its words are not resent).
    const retryUrl = `${publicBaseUrl}/twilio/voice/turn?n=${n}${dial ? '&dial=1' : ''}&attempt=${attemptNo + 1}`;
    await inTime(req, res, { attempt: attemptNo, retryUrl }, async () => {
      try {
        // The turn number makes the Update id: a retried webhook gets the same answer, applied once.
        const action: CallAction = await stageTimings.time('turn: Update round trip (client → server → worker → back)', () =>
          deps.temporal.workflow.getHandle(callWorkflowId(params.CallSid)).executeUpdate(turnUpdate, { args: [input], updateId: `turn-${n}` }),
        );
        return stageTimings.timeSync('turn: TwiML', () => renderCallAction(action, publicBaseUrl));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError)) throw err;
        req.log.warn({ callSid: params.CallSid, err: (err as Error).message }, 'turn for a call that is not running');
        return sayAndHangUp(CALL_OVER);
      }
    });
  });

  router.post('/status', async (req, res) => {
    const params = parseWebhook(statusParams, req, res);
    if (!params) return;
    // Tried again within the deadline (Temporal or the codec's database restarting): Twilio sends it once.
    const signal = untilDeadline(
      () => deps.temporal.workflow.getHandle(callWorkflowId(params.CallSid)).signal(callStatusSignal, { status: params.CallStatus, durationSeconds: params.CallDuration, sequence: params.SequenceNumber }),
      Date.now() + deps.config.http.webhookDeadlineMs,
      req,
      (err) => !(err instanceof WorkflowNotFoundError),
    );
    try {
      await withinDeadline(signal, deps.config.http.webhookDeadlineMs, (err) => req.log.warn({ err }, 'call status signal failed after its answer'));
    } catch (err) {
      // A callback for a call that already ended (a retry) or never reached us: nothing to change. Not
      // delivered in time or at all: the call workflow asks Twilio for the status itself (statusCheckAfterMs).
      if (!(err instanceof WorkflowNotFoundError)) req.log.warn({ err, callSid: params.CallSid }, 'call status not delivered to its workflow');
      else if (TERMINAL_CALL_STATUSES.includes(params.CallStatus)) {
        // Behind the answer (a stalled database must not hold Twilio's request).
        void callsRepository(deps.db)
          .closeUnstarted(params.CallSid, params.CallDuration)
          .then(
            (closed) => closed && req.log.warn({ callSid: params.CallSid }, 'closed a call whose workflow never started'),
            (err) => req.log.error({ err, callSid: params.CallSid }, 'could not close a call whose workflow never started'),
          );
      }
    }
    twiml(res, EMPTY_TWIML);
  });

  router.post('/recording', async (req, res) => {
    const params = parseWebhook(recordingParams, req, res);
    if (!params) return;
    const calls = callsRepository(deps.db);
    const record = (async () => {
      const call = await calls.findBySid(params.CallSid);
      if (!call) return;
      await calls.upsertRecording({
        orgId: call.org_id,
        callId: call.id,
        recordingSid: params.RecordingSid,
        status: params.RecordingStatus,
        durationSeconds: params.RecordingDuration,
        mediaUrl: params.RecordingUrl,
      });
    })();
    try {
      // Answered in time even with the database stalled; the write goes on behind the answer.
      await withinDeadline(record, deps.config.http.webhookDeadlineMs, (err) => req.log.error({ err, recordingSid: params.RecordingSid }, 'recording not recorded after its webhook was answered'));
    } catch (err) {
      req.log[err instanceof DeadlineExceeded ? 'warn' : 'error']({ err, recordingSid: params.RecordingSid }, 'recording webhook answered before its write finished');
    }
    twiml(res, EMPTY_TWIML);
  });

  return router;
}
