import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import request from 'supertest';
import { createApp } from '../../src/app';
import { listen, type RunningHttpServer } from '../../src/platform/http/httpServer';
import { freePort } from '../../src/platform/ports';
import type { Services } from '../../src/services';
import { SimulatedCall } from '../../src/calls/simulator/simulatedCall';
import { practiceCallStateQuery, type PracticeCallState } from '../../workflows/coaching/definitions';
import { startFakeOpenAI } from '../fakes/openai';
import { startFakeTwilioRest } from '../fakes/twilioRest';
import { startFakeVapi } from '../fakes/vapi';
import { Browser, PASSWORD, randomIp, uniqueEmail } from './api';
import { randomPhone } from './organizations';
import { startTestWorker, testConfig, testServices } from './stack';
import { ACCOUNT_SID, AUTH_TOKEN } from './callStack';
import type { RunningWorker } from '../../src/worker';

export const VAPI_SECRET = 'vapi-webhook-secret-for-tests';
export const VAPI_PHONE_NUMBER_ID = '3f1c2a9e-0000-4000-8000-000000000001';

/** A zone where it is now mid-day (inside any calling window), or the small hours (outside every one). */
export function zoneAt(hours: [number, number]): string {
  const zones = ['Pacific/Kiritimati', 'Pacific/Auckland', 'Asia/Tokyo', 'Asia/Kolkata', 'Europe/Istanbul', 'Europe/London', 'America/Sao_Paulo', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Pacific/Honolulu', 'Pacific/Pago_Pago'];
  const zone = zones.find((z) => {
    const h = DateTime.now().setZone(z).hour;
    return h >= hours[0] && h < hours[1];
  });
  if (!zone) throw new Error(`no zone has an hour in ${hours.join('-')} now`);
  return zone;
}

/**
 * The coach for real: the API over HTTP (Vapi and Twilio post to it), a worker on the real Temporal
 * server, PostgreSQL, and Vapi, Twilio and the LLM as local servers speaking their wire formats. A coaching
 * organization with an owner, two topics, and helpers to sign learners up.
 */
export async function startCoachStack(env: Record<string, string> = {}) {
  const vapi = await startFakeVapi();
  const twilioRest = await startFakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN);
  const llm = await startFakeOpenAI();
  // The webhooks Vapi and Twilio sign are checked against PUBLIC_BASE_URL: the API's own address here.
  let http: RunningHttpServer | undefined;
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const services: Services = await testServices(
    testConfig({
      PUBLIC_BASE_URL: publicBaseUrl,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_BASE_URL: twilioRest.baseUrl,
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: 'test-openai-key',
      LLM_MODEL: 'fake-model',
      LLM_TURN_TIMEOUT_MS: '1500',
      VAPI_API_KEY: vapi.apiKey,
      VAPI_BASE_URL: vapi.baseUrl,
      VAPI_WEBHOOK_SECRET: VAPI_SECRET,
      VAPI_CREDENTIAL_ID: 'cred_test_hmac',
      VAPI_PHONE_NUMBER_ID,
      COACH_REPORT_WAIT_MS: '1500',
      COACH_RETRY_MINUTE_MS: '100',
      AUTH_RATE_LIMIT_PER_IP: '1000',
      AUTH_RATE_LIMIT_PER_ACCOUNT: '1000',
      ...env,
    }),
  );
  let worker: RunningWorker = await startTestWorker(services);
  const app = createApp(services);
  http = await listen(app, '127.0.0.1', port);

  const owner = new Browser(app, randomIp());
  const signup = await owner.post('/api/v1/auth/signup', { ageConfirmed: true, email: uniqueEmail('coach-owner'), password: PASSWORD, name: 'Selin', organization: { name: `Speak Up ${randomBytes(2).toString('hex')}`, timeZone: 'Europe/Istanbul', product: 'coach' } });
  if (signup.status !== 201) throw new Error(`sign-up failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  owner.remember(signup);
  const orgId = signup.body.organization.id as string;
  const orgNumber = randomPhone();
  await services.db('phone_numbers').insert({ id: `pn_${randomBytes(13).toString('hex').slice(0, 26)}`, org_id: orgId, e164: orgNumber });
  const topics: string[] = [];
  for (const t of [
    { title: 'Job interviews', minLevel: 'B1', maxLevel: 'C1', prompts: ['Tell me about your last job.', 'What are your strengths?'], targetWords: ['responsibility', 'deadline'] },
    { title: 'Travel', minLevel: 'A2', maxLevel: 'B2', prompts: ['Where did you go on your last holiday?'], targetWords: ['itinerary'] },
  ]) {
    const res = await owner.post('/api/v1/topics', t);
    if (res.status !== 201) throw new Error(`topic: ${res.status} ${JSON.stringify(res.body)}`);
    topics.push(res.body.id);
  }

  return {
    services,
    app,
    vapi,
    twilioRest,
    llm,
    owner,
    orgId,
    orgNumber,
    topics,
    publicBaseUrl,
    vapiEventsUrl: `${publicBaseUrl}/vapi/events`,

    /** A learner signed up with consent to be called, in a zone where it is now mid-day, with `balanceMinor` to spend. */
    async learner(options: { timeZone?: string; balanceMinor?: number; phone?: string } = {}) {
      const text = await request(app).get(`/api/v1/coaching/organizations/${orgId}/consent-text`);
      const browser = new Browser(app, randomIp());
      const phone = options.phone ?? randomPhone();
      const res = await browser.post('/api/v1/coaching/signup', {
        ageConfirmed: true,
        organizationId: orgId,
        email: uniqueEmail('learner'),
        password: PASSWORD,
        name: 'Deniz Kaya',
        phone,
        timeZone: options.timeZone ?? zoneAt([9, 19]),
        nativeLanguage: 'Turkish',
        goals: 'Job interviews in English',
        level: 'B1',
        consent: { agreed: true, version: text.body.version },
      });
      if (res.status !== 201) throw new Error(`learner sign-up: ${res.status} ${JSON.stringify(res.body)}`);
      browser.remember(res);
      const userId = res.body.user.id as string;
      if (options.balanceMinor) {
        // What a paid Checkout top-up credits (the Stripe path itself is tested in balance.test.ts).
        await services.db('balance_ledger').insert({ org_id: orgId, user_id: userId, kind: 'top_up', amount_minor: options.balanceMinor, currency: 'USD', idempotency_key: `test-topup:${userId}` });
      }
      return { browser, userId, phone };
    },

    async plan(browser: Browser, overrides: Record<string, unknown> = {}) {
      const res = await browser.post('/api/v1/plans', { days: [1, 3, 5], time: '18:30', minutes: 15, topicIds: topics, ...overrides });
      if (res.status !== 201) throw new Error(`plan: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { id: string; status: string };
    },

    /** The practice call's workflow state once it has ended (its result). */
    async outcome(workflowId: string): Promise<PracticeCallState> {
      return services.temporal.workflow.getHandle(workflowId).result();
    },

    /** Waits until the practice call's workflow reports `status` (e.g. in_progress), and returns its state. */
    async until(workflowId: string, statuses: string[], timeoutMs = 20_000): Promise<PracticeCallState> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const state = await services.temporal.workflow.getHandle(workflowId).query(practiceCallStateQuery);
          if (statuses.includes(state.status)) return state;
        } catch {
          // not started yet
        }
        if (Date.now() > deadline) throw new Error(`${workflowId} never reached ${statuses.join('/')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },

    /** Twilio's side of a call the built-in engine placed: answers it at the URL Twilio was given. */
    answer(placed: { sid: string; form: Record<string, string[]> }) {
      const url = new URL(placed.form.Url![0]!);
      const call = new SimulatedCall({ target: publicBaseUrl, publicBaseUrl, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID, from: placed.form.From![0]!, to: placed.form.To![0]!, callSid: placed.sid });
      return { call, path: url.pathname + url.search };
    },

    async restartWorker() {
      await worker.stop();
      worker = await startTestWorker(services);
    },

    async close() {
      await http?.close(1000);
      await worker.stop();
      await services.close();
      await Promise.all([vapi.close(), twilioRest.close(), llm.close()]);
    },
  };
}

export type CoachStack = Awaited<ReturnType<typeof startCoachStack>>;
