import { createApp } from '../../src/app';
import type { Services } from '../../src/services';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { startFakeTwilioRest, type FakeTwilioRest } from '../fakes/twilioRest';
import { startTestWorker, testConfig, testServices } from './stack';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-twilio-auth-token';

export interface WorkerStack {
  services: Services;
  /** The API over plain http (local, so session cookies work in supertest). */
  app: ReturnType<typeof createApp>;
  twilio: FakeTwilioRest;
  smtp: FakeSmtp;
  close(): Promise<void>;
}

/**
 * A worker on the real Temporal server and PostgreSQL, the API beside it, and Twilio's REST API and an
 * SMTP server played by local servers: what the privacy workflows need. `env` adds or overrides settings.
 */
export async function startWorkerStack(env: Record<string, string> = {}): Promise<WorkerStack> {
  const twilio = await startFakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN);
  const smtp = await startFakeSmtp();
  const services = await testServices(testConfig({ SMTP_URL: smtp.url, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_API_BASE_URL: twilio.baseUrl, ...env }));
  const worker = await startTestWorker(services);
  return {
    services,
    app: createApp(services),
    twilio,
    smtp,
    async close() {
      await worker.stop();
      await services.close();
      await twilio.close();
      await smtp.close();
    },
  };
}
