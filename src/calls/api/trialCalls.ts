import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { SimulatedCall, type SimulatedCallState } from '../simulator/simulatedCall';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';

/**
 * "Try it": an admin talks to their own receptionist in the browser, in text, through the same engine a
 * phone call goes through. The API plays Twilio's side with the call simulator against itself (signed
 * webhooks, the TwiML followed), from a trial caller number to the organization's number. The CallSid is
 * registered first, so the call row says it was a trial and no usage is billed. Between turns the
 * conversation's place is carried by the browser as a signed, short-lived token: any API process continues it.
 */
export const TRIAL_CALLER = '+15005550006';
const TRIAL_TTL_MS = 15 * 60_000;

const Turn = z
  .object({
    callSid: z.string(),
    said: z.array(z.string()).meta({ description: 'What the receptionist said this turn' }),
    ended: z.boolean(),
    state: z.string().meta({ description: 'Send back with the next turn (signed; valid 15 minutes)' }),
  })
  .meta({ id: 'TrialTurn' });
const Continue = z.object({ state: z.string().min(1).max(4000) });
const CallParams = z.object({ callSid: z.string().regex(/^CA[0-9a-f]{32}$/) });

/** The simulator aimed at this very process (the port the request came in on), signing as Twilio would. */
function simulatorOptions(deps: V1Deps, req: Request, to: string) {
  return { target: `http://127.0.0.1:${req.socket.localPort}`, publicBaseUrl: deps.config.http.publicBaseUrl, authToken: deps.config.twilio.authToken, accountSid: deps.config.twilio.accountSid, from: TRIAL_CALLER, to };
}

async function turn(deps: V1Deps, orgId: string, to: string, call: SimulatedCall, said: string[]): Promise<z.input<typeof Turn>> {
  const state = await deps.tokens.sign('trial-call', { orgId, to, ...call.state }, TRIAL_TTL_MS);
  return { callSid: call.callSid, said, ended: call.ended, state };
}

async function resumed(deps: V1Deps, req: Request, orgId: string, callSid: string, token: string): Promise<{ call: SimulatedCall; to: string }> {
  const claims = await deps.tokens.verify('trial-call', token);
  if (!claims || claims.orgId !== orgId || claims.callSid !== callSid) throw new ApiError(404, 'not_found', 'No such trial conversation (it may have expired: start another)');
  const to = String(claims.to);
  return { call: SimulatedCall.resume(simulatorOptions(deps, req, to), claims as unknown as SimulatedCallState), to };
}

/** Ends the call as Twilio would, with how long it lasted: the workflow closes it (unbilled: a trial). */
async function hangUp(call: SimulatedCall): Promise<void> {
  if (!call.ended) await call.status('completed');
}

export const trialCallRoutes = [
  defineRoute({
    method: 'post',
    path: '/trial-calls',
    operationId: 'startTrialCall',
    summary: "Talk to your receptionist in text, through the real call engine: starts a call from a trial number to the organization's number (listed as a trial, never billed)",
    tag: 'Calls',
    access: 'admin',
    response: { status: 201, schema: Turn, description: 'The greeting' },
    errors: [409],
    async handle({ auth, deps, req }) {
      const number = await withTenant(deps.db, auth.orgId, (trx) => trx('phone_numbers').orderBy('created_at').first('e164'));
      if (!number) throw new ApiError(409, 'no_phone_number', 'Add a phone number first: the trial calls it as a caller would');
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      await withTenant(deps.db, auth.orgId, async (trx) => {
        await trx('trial_calls').insert({ call_sid: callSid, org_id: auth.orgId, started_by: auth.userId ?? null });
        await audit(trx, req, auth, { action: 'call.trial_started', targetType: 'call', metadata: { callSid } });
      });
      const call = new SimulatedCall({ ...simulatorOptions(deps, req, number.e164), callSid });
      await call.dial();
      return turn(deps, auth.orgId, number.e164, call, call.lastSaid);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/trial-calls/{callSid}/say',
    operationId: 'sayInTrialCall',
    summary: 'Say something to the receptionist in a trial conversation; answers with its reply',
    tag: 'Calls',
    access: 'admin',
    params: CallParams,
    body: Continue.extend({ text: z.string().trim().min(1).max(1000) }),
    response: { schema: Turn, description: "The receptionist's reply" },
    errors: [404, 409],
    async handle({ auth, body, deps, params, req }) {
      const { call, to } = await resumed(deps, req, auth.orgId, params.callSid, body.state);
      if (call.ended) throw new ApiError(409, 'call_ended', 'The receptionist ended this call: start another');
      await call.say(body.text);
      // The agent said goodbye and hung up: the call ends as Twilio would end it.
      if (call.ended) await hangUp(call);
      return turn(deps, auth.orgId, to, call, call.lastSaid);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/trial-calls/{callSid}/hang-up',
    operationId: 'hangUpTrialCall',
    summary: 'Hang up a trial conversation',
    tag: 'Calls',
    access: 'admin',
    params: CallParams,
    body: Continue,
    response: { schema: Turn, description: 'Ended' },
    errors: [404],
    async handle({ auth, body, deps, params, req }) {
      const { call, to } = await resumed(deps, req, auth.orgId, params.callSid, body.state);
      await hangUp(call);
      return turn(deps, auth.orgId, to, call, []);
    },
  }),
];
