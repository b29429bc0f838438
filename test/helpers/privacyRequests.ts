import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { MESSAGE_BODY_CONTEXT, MESSAGE_CALLBACK_CONTEXT, TRANSCRIPT_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { sealPhone } from '../../src/platform/crypto/phoneNumbers';
import type { Services } from '../../src/services';
import type { FakeSmtp } from '../fakes/smtp';
import type { Browser } from './api';
import { until } from './booking';
import { callNumbers } from './phoneNumbers';

const id = (prefix: string) => `${prefix}_${randomBytes(13).toString('hex').slice(0, 26)}`;

/** One finished call (caller's words, a message with a callback) from each caller, stored as the product stores them. */
export async function seedCallers(services: Services, orgId: string, callers: Record<string, string>): Promise<Record<string, string>> {
  const enc = (context: string, text: string) => services.fields.encrypt(orgId, context, text);
  const calls: Record<string, string> = {};
  for (const [who, number] of Object.entries(callers)) {
    const callId = id('call');
    calls[who] = callId;
    await services.db('calls').insert({ id: callId, org_id: orgId, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(services.fields, orgId, number)), status: 'completed', outcome: 'message_taken', started_at: new Date(), duration_seconds: 60 });
    await services.db('transcript_turns').insert({ org_id: orgId, call_id: callId, seq: 1, role: 'caller', text_ciphertext: await enc(TRANSCRIPT_CONTEXT, `Hello, this is ${who}, about my crown, "urgent", please`) });
    await services.db('messages').insert({ id: id('msg'), org_id: orgId, call_id: callId, ...(await sealPhone(services.fields, orgId, MESSAGE_CALLBACK_CONTEXT, number)), body_ciphertext: await enc(MESSAGE_BODY_CONTEXT, `Call ${who} back`) });
  }
  return calls;
}

/** Waits for the export, then takes its link from the email that reached the requester. */
export async function exportLink(smtp: FakeSmtp, browser: Browser, requestId: string): Promise<string> {
  await until(async () => (await browser.get(`/api/v1/data-requests/${requestId}`)).body.status === 'ready', 15_000);
  const mail = () => smtp.messages.find((m) => m.envelope.to.includes(browser.info!.user.email) && (m.text ?? '').includes(requestId));
  await until(() => Boolean(mail()), 15_000);
  const url = new URL((mail()!.text ?? '').match(/https?:\/\/\S+download\?token=[\w-]+/)![0]);
  return url.pathname + url.search;
}

/** Downloads an export's archive (the body is the zip's bytes). */
export function downloadExport(app: Express, link: string) {
  return request(app)
    .get(link)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}
