import type { RequestHandler } from 'express';
import type { Logger } from '../../src/platform/logger';
import { createApp } from '../../src/app';
import { listen, type RunningHttpServer } from '../../src/platform/http/httpServer';
import type { OrganizationRow } from '../../src/accounts/repositories/organizations';
import type { Services } from '../../src/services';
import { SimulatedCall } from '../../src/calls/simulator/simulatedCall';
import { callWorkflowId } from '../../workflows/calls/definitions';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai';
import { startFakeTwilioRest, type FakeTwilioRest } from '../fakes/twilioRest';
import { makeOrganization, randomPhone } from './organizations';
import { startTestWorker, testConfig, testServices } from './stack';

/** The Twilio account every test stack signs and checks webhooks with. */
export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'test-twilio-auth-token';
export const PUBLIC_BASE_URL = 'https://callgenly.test';

/**
 * Everything a call needs, for real: the API over HTTP, a worker on the real Temporal server, PostgreSQL,
 * and the real `openai` and `twilio` SDKs pointed at local servers speaking their wire formats.
 */
export interface CallStack {
  services: Services;
  http: RunningHttpServer;
  llm: FakeOpenAI;
  twilioRest: FakeTwilioRest;
  org: OrganizationRow;
  number: string;
  businessNumber: string;
  /** `target`: another API than the stack's own (one built with other dependencies). */
  call(options?: { from?: string; to?: string; target?: string }): SimulatedCall;
  /** The call workflow's result, once Twilio's final status callback has been handled. */
  result(call: SimulatedCall): Promise<{ outcome: string; status: string }>;
  restartWorker(): Promise<void>;
  /** Stops the worker until `startWorker` (Temporal keeps the calls' tasks meanwhile). */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `workerOwnServices`: the worker gets services of its own (its own payload codec and caches), as in
 * production, where the API and the worker are separate processes. `console`: the web app, served too.
 */
export async function startCallStack(env: Record<string, string> = {}, options: { workerOwnServices?: boolean; console?: RequestHandler; logger?: Logger } = {}): Promise<CallStack> {
  const llm = await startFakeOpenAI();
  const twilioRest = await startFakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN);
  const services = await testServices(
    testConfig({
      PUBLIC_BASE_URL,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_BASE_URL: twilioRest.baseUrl,
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: 'test-openai-key',
      LLM_MODEL: 'fake-model',
      LLM_TURN_TIMEOUT_MS: '1500',
      ...env,
    }),
    options.logger,
  );
  const number = randomPhone();
  const businessNumber = randomPhone();
  const org = await makeOrganization(services, { phoneNumbers: [number] });
  await services.db('organizations').where({ id: org.id }).update({
    transfer_e164: businessNumber,
    faq: JSON.stringify([{ question: 'Do you open on Saturdays?', answer: 'No, we are closed on weekends.' }]),
  });
  const workerServices = options.workerOwnServices ? await testServices(services.config) : services;
  let worker = await startTestWorker(workerServices);
  const http = await listen(createApp(services, { console: options.console }), '127.0.0.1', 0);
  return {
    services,
    http,
    llm,
    twilioRest,
    org,
    number,
    businessNumber,
    call: (options = {}) =>
      new SimulatedCall({
        target: options.target ?? http.url,
        publicBaseUrl: PUBLIC_BASE_URL,
        authToken: AUTH_TOKEN,
        accountSid: ACCOUNT_SID,
        from: options.from ?? '+14155550111',
        to: options.to ?? number,
      }),
    result: (call) => services.temporal.workflow.getHandle(callWorkflowId(call.callSid)).result(),
    async restartWorker() {
      await worker.stop();
      worker = await startTestWorker(workerServices);
    },
    async stopWorker() {
      await worker.stop();
    },
    async startWorker() {
      worker = await startTestWorker(workerServices);
    },
    async close() {
      await http.close(1000);
      await worker.stop();
      if (workerServices !== services) await workerServices.close();
      await services.close();
      await llm.close();
      await twilioRest.close();
    },
  };
}
