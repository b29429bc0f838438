import { randomBytes } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import request from 'supertest';
import { createApp } from '../../src/app';
import { REGISTRY } from '../../src/domains';
import { CALL_FROM_CONTEXT, MESSAGE_BODY_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone, phoneIndex } from '../../src/platform/crypto/phoneNumbers';
import { newId } from '../../src/platform/db/ids';
import { buildArchive } from '../../src/privacy/archive';
import { encryptPlaintextPhoneNumbers } from '../../src/privacy/phoneNumberBackfill';
import { callerErasureWorkflowId } from '../../workflows/privacy/dataRequestDefinitions';
import { openAllWeek, slotIn, until } from '../helpers/booking';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { apiKeyFor, makeOrganization } from '../helpers/organizations';

/**
 * Callers' numbers at rest: encrypted with the organization's key, found through a keyed blind index, on the
 * real stack (calls placed through the voice webhook, the API, the worker, PostgreSQL as the owner reads it).
 */
let stack: CallStack;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  stack = await startCallStack();
  app = createApp(stack.services);
});
afterAll(() => stack.close());

const CALLER = '+14155550123';
const OTHER = '+14155550177';
/** The caller's number as it could appear in a row's text: its digits, or their bytes in hex (bytea). */
const TRACES = ['4155550123', Buffer.from('4155550123').toString('hex')];
const TABLES = ['calls', 'messages', 'appointments'];

const as = (key: string) => ({
  get: (path: string) => request(app).get(path).set('Authorization', `Bearer ${key}`),
  post: (path: string, body: object) => request(app).post(path).set('Authorization', `Bearer ${key}`).send(body),
});

/** The organization's rows of a table as PostgreSQL holds them, whole, as text. */
async function rowsAsText(table: string, orgId: string): Promise<string[]> {
  const { rows } = await stack.services.db.raw(`select row_to_json(t)::text as text from ${table} t where org_id = ?`, [orgId]);
  return rows.map((r: { text: string }) => r.text);
}
const withTraces = (rows: string[]) => rows.filter((text) => TRACES.some((trace) => text.includes(trace)));

/** A call through Twilio's webhooks in which the caller leaves a message (the callback number is theirs). */
async function messageTakingCall(from: string) {
  const call = stack.call({ from });
  await call.dial();
  expect(call.lastSaid).toEqual([`Thank you for calling ${stack.org.name}. How can I help you?`]);
  stack.llm.script(
    { toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Ada Lovelace', message: 'Please call me back about my crown.' } }] },
    { content: 'I have passed that on. Anything else?' },
  );
  await call.say('This is Ada Lovelace. Please call me back about my crown.');
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye!' });
  await call.say('That is all, bye.');
  await call.status('completed', 30);
  await stack.result(call);
  return call.callSid;
}

test("a caller's calls, message and appointment hold no number in any column, yet history, the API, the caller's export and erasure find them", async () => {
  const orgId = stack.org.id;
  const api = as(await apiKeyFor(stack.services, orgId));
  const first = await messageTakingCall(CALLER);
  const returning = await messageTakingCall(CALLER);
  await messageTakingCall(OTHER);
  const serviceId = await openAllWeek(stack.services, orgId);
  const booked = await api.post('/api/v1/appointments', { serviceId, start: slotIn(24 * 60).toISOString(), customerName: 'Ada Lovelace', customerPhone: '(415) 555-0123' });
  expect(booked.status).toBe(201);
  // The confirmation is texted to the number decrypted.
  await until(() => stack.twilioRest.messages.some((m) => m.To === CALLER && m.Body.includes('is booked for')), 10_000);

  for (const table of TABLES) {
    const rows = await rowsAsText(table, orgId);
    expect([table, rows.length > 0, withTraces(rows)]).toEqual([table, true, []]);
  }
  // Found by an index keyed per organization: the same number indexes differently in another.
  const stored = await stack.services.db('calls').where({ call_sid: first }).first();
  expect(stored).toMatchObject({ from_e164: null, to_e164: null });
  expect(stored.from_e164_index).toEqual(await phoneIndex(stack.services.fields, orgId, CALLER));
  const elsewhere = await makeOrganization(stack.services);
  expect((await phoneIndex(stack.services.fields, elsewhere.id, CALLER)).equals(stored.from_e164_index)).toBe(false);

  // The returning caller's history, by their number in any format; the API shows the numbers decrypted.
  const history = (await api.get('/api/v1/calls?number=(415)%20555-0123')).body.data;
  expect(history.map((c: { callSid: string }) => c.callSid).sort()).toEqual([first, returning].sort());
  expect(history.map((c: { from: string; to: string }) => [c.from, c.to])).toEqual([
    [CALLER, stack.number],
    [CALLER, stack.number],
  ]);
  expect((await api.get(`/api/v1/calls/${history[0].id}`)).body.messages).toEqual([expect.objectContaining({ callbackNumber: CALLER })]);
  expect((await api.get('/api/v1/messages')).body.data.map((m: { callbackNumber: string }) => m.callbackNumber).sort()).toEqual([CALLER, CALLER, OTHER]);
  expect((await api.get('/api/v1/appointments')).body.data.map((a: { customerPhone: string }) => a.customerPhone)).toEqual([CALLER]);

  // The caller's export holds every row of their number, and only those.
  const { zip } = await buildArchive(REGISTRY.exports, stack.services.db, stack.services.fields, orgId, { scope: 'caller', e164: CALLER });
  const files = unzipSync(zip);
  const exported = (name: string) => JSON.parse(strFromU8(files[name]!));
  expect(exported('calls.json').map((c: { from: string }) => c.from)).toEqual([CALLER, CALLER]);
  expect(exported('messages.json').map((m: { callbackNumber: string }) => m.callbackNumber)).toEqual([CALLER, CALLER]);
  expect(exported('appointments.json').map((a: { customerPhone: string }) => a.customerPhone)).toEqual([CALLER]);

  // Their erasure finds the same rows; the other caller's stay.
  const erasure = await api.post('/api/v1/caller-erasures', { number: '415-555-0123' });
  expect(erasure.status).toBe(202);
  expect(await stack.services.temporal.workflow.getHandle(callerErasureWorkflowId(erasure.body.id)).result()).toMatchObject({ calls: 2, messages: 2, appointmentsAnonymised: 1, heldCalls: 0 });
  expect((await api.get('/api/v1/calls')).body.data.map((c: { from: string }) => c.from)).toEqual([OTHER]);
  expect((await api.get('/api/v1/messages')).body.data.map((m: { callbackNumber: string }) => m.callbackNumber)).toEqual([OTHER]);
  expect((await api.get('/api/v1/appointments')).body.data).toEqual([expect.objectContaining({ customerPhone: null, customerName: null })]);
  expect(await stack.services.db('appointments').where({ org_id: orgId }).first()).toMatchObject({ customer_e164_ciphertext: null, customer_e164_index: null });
});

test('numbers stored in plaintext before are read and found as they are, then encrypted and cleared in batches by the backfill the worker starts', async () => {
  const { db, fields } = stack.services;
  const org = await makeOrganization(stack.services);
  const api = as(await apiKeyFor(stack.services, org.id));
  // Rows as the code before this change wrote them.
  const legacyCall = async () => {
    const id = newId('call');
    await db('calls').insert({ id, org_id: org.id, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', from_e164: CALLER, to_e164: '+14155550100', status: 'completed', started_at: new Date() });
    return id;
  };
  const callIds = [await legacyCall(), await legacyCall(), await legacyCall()];
  await db('messages').insert({ id: newId('msg'), org_id: org.id, call_id: callIds[0], callback_e164: CALLER, body_ciphertext: await fields.encrypt(org.id, MESSAGE_BODY_CONTEXT, 'Call me back') });
  const serviceId = await openAllWeek(stack.services, org.id);
  const start = slotIn(48 * 60);
  const end = new Date(start.getTime() + 30 * 60_000);
  await db('appointments').insert({ id: newId('appt'), org_id: org.id, service_id: serviceId, customer_e164: CALLER, starts_at: start, ends_at: end, blocks_from: start, blocks_until: end, status: 'confirmed' });
  const seen = async () => ({
    calls: (await api.get('/api/v1/calls?number=%2B14155550123')).body.data.map((c: { from: string }) => c.from),
    messages: (await api.get('/api/v1/messages')).body.data.map((m: { callbackNumber: string }) => m.callbackNumber),
    appointments: (await api.get('/api/v1/appointments')).body.data.map((a: { customerPhone: string }) => a.customerPhone),
  });
  const expected = { calls: [CALLER, CALLER, CALLER], messages: [CALLER], appointments: [CALLER] };
  expect(await seen()).toEqual(expected);
  expect(await Promise.all(TABLES.map(async (t) => withTraces(await rowsAsText(t, org.id)).length))).toEqual([3, 1, 1]);

  // Batches of two: the three calls take two. Organizations of other tests (other master keys) are skipped.
  expect(await encryptPlaintextPhoneNumbers(stack.services, { batchSize: 2 })).toMatchObject({ rows: 5 });
  for (const table of TABLES) expect([table, withTraces(await rowsAsText(table, org.id))]).toEqual([table, []]);
  const index = await phoneIndex(fields, org.id, CALLER);
  for (const call of await db('calls').whereIn('id', callIds)) expect(call).toMatchObject({ from_e164: null, to_e164: null, from_e164_index: index });
  expect(await seen()).toEqual(expected);
  expect(await encryptPlaintextPhoneNumbers(stack.services)).toMatchObject({ rows: 0 });

  // The worker runs it when it starts.
  const late = await legacyCall();
  await stack.restartWorker();
  await until(async () => (await db('calls').where({ id: late }).first()).from_e164 === null, 10_000);
  expect(await openPhone(fields, org.id, CALL_FROM_CONTEXT, await db('calls').where({ id: late }).first())).toBe(CALLER);
});
