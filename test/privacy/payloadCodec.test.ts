import { REGISTRY } from '../../src/domains';
import { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../src/app';
import { callWorkflowId } from '../../workflows/calls/definitions';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { apiKeyFor, makeOrganization, randomPhone } from '../helpers/organizations';
import { OrganizationPayloadCodec } from '../../src/platform/temporal/payloadCodec';
import { PayloadPolicyWatch } from '../../src/platform/temporal/payloadPolicyWatch';
import { createLogger } from '../../src/platform/logger';
import { until } from '../helpers/booking';

/**
 * Encrypted workflow payloads on the real stack: a HIPAA organization's call runs end to end while the
 * Temporal server holds only ciphertext, and the codec server gives the plaintext back to that
 * organization's admin only.
 */
let stack: CallStack;
let app: ReturnType<typeof createApp>;
/** Temporal as anyone with access to its server or database sees it: no codec. */
let raw: Client;

beforeAll(async () => {
  // The worker has its own codec, as in production, where it is another process than the API.
  stack = await startCallStack({}, { workerOwnServices: true });
  app = createApp(stack.services);
  raw = new Client({ connection: stack.services.temporal.connection, namespace: stack.services.config.temporal.namespace });
});
afterAll(() => stack.close());

const UTTERANCE = "Hi, it's Ada Lovelace, please call me back about my crown";

async function aCall(to: string) {
  const call = stack.call({ to, from: '+14155550177' });
  await call.dial();
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye, Ada!' });
  const goodbye = await call.say(UTTERANCE);
  stack.llm.scriptJson({ content: JSON.stringify({ intents: ['callback'], entities: { callerName: 'Ada Lovelace', callbackNumber: null, service: null, requestedTime: null }, summary: 'Ada wants a call back.' }) });
  await call.status('completed', 30);
  await stack.result(call);
  return { call, goodbye, history: JSON.stringify(await raw.workflow.getHandle(callWorkflowId(call.callSid)).fetchHistory()) };
}

/**
 * Every payload in a history, as the server stores them, except search attributes (OrgId, CallStatus) and
 * the SDK's patch markers: codecs never see those (search attributes must stay readable to be searched),
 * and they hold no personal data.
 */
function payloadsIn(historyJson: string): Array<{ metadata?: Record<string, string>; data?: string }> {
  const found: Array<{ metadata?: Record<string, string>; data?: string }> = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(walk);
    const record = value as Record<string, unknown>;
    const metadata = record.metadata as Record<string, unknown> | undefined;
    if (metadata && typeof metadata.encoding === 'string') return void found.push(record as never);
    for (const [key, child] of Object.entries(record)) if (key !== 'searchAttributes' && key !== 'markerRecordedEventAttributes') walk(child);
  };
  walk(JSON.parse(historyJson));
  return found;
}

test("a HIPAA organization's call works end to end while Temporal holds only ciphertext; the codec server shows it to that organization's admin only", async () => {
  const number = randomPhone();
  const clinic = await makeOrganization(stack.services, { phoneNumbers: [number] });
  await stack.services.db('organizations').where({ id: clinic.id }).update({ hipaa_mode: true });
  const { goodbye, history } = await aCall(number);
  expect(goodbye).toContain('Goodbye, Ada!');

  // Nothing personal in the server's copy: every payload is sealed under the organization's key.
  expect(history).not.toContain('Ada Lovelace');
  expect(history).not.toContain('+14155550177');
  const payloads = payloadsIn(history);
  expect(payloads.some((p) => /Ada Lovelace|14155550177/.test(Buffer.from(p.data ?? '', 'base64').toString()))).toBe(false);
  expect(payloads.length).toBeGreaterThan(5);
  for (const p of payloads) {
    expect(Buffer.from(p.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(p.metadata!['encryption-key-id']!, 'base64').toString()).toMatch(new RegExp(`^${clinic.id}/\\d+$`));
  }

  // The same call for an organization that did not ask for it: plaintext, as before.
  const plainNumber = randomPhone();
  await makeOrganization(stack.services, { phoneNumbers: [plainNumber] });
  const plainPayloads = payloadsIn((await aCall(plainNumber)).history);
  expect(plainPayloads.some((p) => Buffer.from(p.data ?? '', 'base64').toString().includes('Ada Lovelace'))).toBe(true);

  // The codec server: its admin reads it; another organization's admin gets it back still sealed.
  const sealed = payloads.find((p) => p.data)!;
  const decode = (key?: string) => {
    const req = request(app).post('/codec/decode').set('Origin', 'http://localhost:8233').send({ payloads: [sealed] });
    return key ? req.set('Authorization', `Bearer ${key}`) : req;
  };
  expect((await decode()).status).toBe(401);
  const mine = await decode(await apiKeyFor(stack.services, clinic.id));
  expect(mine.status).toBe(200);
  expect(mine.headers['access-control-allow-origin']).toBe('http://localhost:8233');
  expect(mine.headers['access-control-allow-credentials']).toBe('true');
  const [plain] = mine.body.payloads;
  expect(Buffer.from(plain.metadata.encoding, 'base64').toString()).toBe('json/plain');
  const other = await makeOrganization(stack.services);
  expect((await decode(await apiKeyFor(stack.services, other.id))).body.payloads).toEqual([sealed]);
  expect(await stack.services.db('audit_log').where({ org_id: clinic.id, action: 'temporal.payloads_decoded' })).toHaveLength(1);

  // The UI's preflight is answered for its origin only.
  const preflight = await request(app).options('/codec/decode').set('Origin', 'http://localhost:8233').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type,x-namespace');
  expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8233');
  const stranger = await request(app).options('/codec/decode').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
  expect(stranger.headers['access-control-allow-origin']).toBeUndefined();

  // Crypto-shredding: with the key destroyed, no one reads it again, the codec server included.
  await stack.services.keyring.destroy(clinic.id);
  expect((await decode(await apiKeyFor(stack.services, clinic.id))).body.payloads).toEqual([sealed]);
});

const mentionsAda = (history: string) => payloadsIn(history).some((p) => Buffer.from(p.data ?? '', 'base64').toString().includes('Ada Lovelace'));

test('switching HIPAA mode on seals the very next call, though every process had cached the old policy', async () => {
  const number = randomPhone();
  const clinic = await makeOrganization(stack.services, { phoneNumbers: [number] });
  // A call first: the API's and the worker's codecs have both read (and cached) the policy: plaintext.
  expect(mentionsAda((await aCall(number)).history)).toBe(true);

  // The agreement HIPAA mode needs, as an owner accepts it (POST /organization/baa).
  await stack.services.db('organizations').where({ id: clinic.id }).update({ baa_version: stack.services.config.auth.baa.version, baa_accepted_at: new Date() });
  const switched = await request(app).patch('/api/v1/organization').set('Authorization', `Bearer ${await apiKeyFor(stack.services, clinic.id)}`).send({ hipaaMode: true });
  expect(switched.status).toBe(200);
  const { history, goodbye } = await aCall(number);
  expect(goodbye).toContain('Goodbye, Ada!');
  expect(history).not.toContain('Ada Lovelace');
  expect(history).not.toContain('+14155550177');
  for (const p of payloadsIn(history)) expect(Buffer.from(p.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
});

test("another process's cached policy is dropped as the change commits, whoever makes it", async () => {
  const clinic = await makeOrganization(stack.services);
  const elsewhere = new OrganizationPayloadCodec({ db: stack.services.db, keyring: stack.services.keyring, workflows: REGISTRY.workflows });
  const heard: string[] = [];
  const watch = new PayloadPolicyWatch(stack.services.config.database.url!, { changed: (orgId) => (heard.push(orgId), elsewhere.changed(orgId)), inDoubt: (d) => elsewhere.inDoubt(d) }, createLogger('silent'));
  await watch.start();
  try {
    const input = () => [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ orgId: clinic.id, caller: 'Ada Lovelace' })) }];
    const context = { workflowId: `billing:${clinic.id}` } as never;
    const encoding = async () => Buffer.from((await elsewhere.encode(input(), context))[0]!.metadata!.encoding!).toString();
    expect(await encoding()).toBe('json/plain');
    expect(await encoding()).toBe('json/plain'); // now from its cache

    // Plain SQL, as an operator might: the database announces it; no API process is involved.
    await stack.services.db('organizations').where({ id: clinic.id }).update({ encrypt_workflow_payloads: true });
    await until(() => heard.includes(clinic.id), 2_000);
    expect(await encoding()).toBe('binary/encrypted');

    // While announcements cannot be heard, no cached policy is trusted.
    await watch.close();
    await stack.services.db('organizations').where({ id: clinic.id }).update({ encrypt_workflow_payloads: false });
    expect(await encoding()).toBe('json/plain');
  } finally {
    await watch.close();
  }
});
