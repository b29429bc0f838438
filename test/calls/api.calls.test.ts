import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app';
import { withTenant } from '../../src/platform/db/tenancy';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { apiKeyFor, makeOrganization } from '../helpers/organizations';
import { CALL_FROM_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone } from '../../src/platform/crypto/phoneNumbers';

let stack: CallStack;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  stack = await startCallStack();
  app = createApp(stack.services);
});
afterAll(() => stack.close());

async function messageTakingCall(callerName: string, body: string) {
  const call = stack.call();
  await call.dial();
  stack.llm.script(
    { toolCalls: [{ name: 'take_message', arguments: { caller_name: callerName, message: body } }] },
    { content: 'I have passed that on. Anything else?' },
  );
  await call.say(`This is ${callerName}. ${body}`);
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye!' });
  await call.say('That is all, bye.');
  await call.status('completed', 40);
  await stack.result(call);
  return call;
}

test('admins list calls and read one with its decrypted transcript and messages; every read is audited', async () => {
  const key = await apiKeyFor(stack.services, stack.org.id);
  const get = (path: string) => request(app).get(path).set('Authorization', `Bearer ${key}`);
  const first = await messageTakingCall('Grace Hopper', 'Please move my cleaning to next week.');
  const second = await messageTakingCall('Alan Turing', 'Is my retainer ready?');

  const list = await get('/api/v1/calls?limit=1');
  expect(list.status).toBe(200);
  expect(list.body.data).toHaveLength(1);
  expect(list.body.data[0]).toMatchObject({ callSid: second.callSid, status: 'completed', outcome: 'message_taken', from: '+14155550111', durationSeconds: 40 });
  const page2 = await get(`/api/v1/calls?limit=1&cursor=${list.body.nextCursor}`);
  expect(page2.body.data[0].callSid).toBe(first.callSid);

  expect((await get('/api/v1/calls?number=(415)%20555-0111')).body.data.length).toBeGreaterThanOrEqual(2);
  expect((await get('/api/v1/calls?number=%2B16175550100')).body.data).toEqual([]);
  expect((await get('/api/v1/calls?number=12')).body.error.field).toBe('number');
  expect((await get('/api/v1/calls?status=in_progress')).body.data.map((c: { callSid: string }) => c.callSid)).not.toContain(first.callSid);
  const future = new Date(Date.now() + 3600_000).toISOString();
  expect((await get(`/api/v1/calls?from=${future}`)).body.data).toEqual([]);
  const backwards = await get(`/api/v1/calls?from=${future}&to=${new Date().toISOString()}`);
  expect(backwards.status).toBe(400);
  expect(backwards.body.error.field).toBe('to');
  expect((await get('/api/v1/calls?from=1900-01-01T00:00:00Z')).status).toBe(400);
  expect((await get('/api/v1/calls?from=yesterday')).body.error.field).toBe('from');

  expect((await get('/api/v1/calls?intent=ask_question')).body.data.map((c: { callSid: string }) => c.callSid)).toEqual(expect.arrayContaining([first.callSid, second.callSid]));
  expect((await get('/api/v1/calls?intent=book_appointment')).body.data.map((c: { callSid: string }) => c.callSid)).not.toContain(first.callSid);
  expect((await get('/api/v1/calls?intent=sing')).body.error.field).toBe('intent');

  const detail = await get(`/api/v1/calls/${list.body.data[0].id}`);
  expect(detail.status).toBe(200);
  expect(detail.body.transcript.map((t: { role: string; text: string }) => [t.role, t.text])).toEqual([
    ['agent', `Thank you for calling ${stack.org.name}. How can I help you?`],
    ['caller', 'This is Alan Turing. Is my retainer ready?'],
    ['agent', 'I have passed that on. Anything else?'],
    ['caller', 'That is all, bye.'],
    ['agent', 'Goodbye!'],
  ]);
  expect(detail.body.messages).toEqual([expect.objectContaining({ callerName: 'Alan Turing', body: 'Is my retainer ready?', callbackNumber: '+14155550111' })]);
  // The fake model's default analysis, decrypted for the admin.
  expect(detail.body).toMatchObject({
    intents: ['ask_question'],
    summary: 'The caller asked a question.',
    entities: { callerName: null, callbackNumber: null, service: null, requestedTime: null },
  });

  const messages = await get('/api/v1/messages');
  expect(messages.body.data.map((m: { body: string }) => m.body).slice(0, 2)).toEqual(['Is my retainer ready?', 'Please move my cleaning to next week.']);
  const messageId = messages.body.data[0].id;
  expect((await request(app).post(`/api/v1/messages/${messageId}/read`).set('Authorization', `Bearer ${key}`)).status).toBe(204);
  expect((await get('/api/v1/messages?status=read')).body.data.map((m: { id: string }) => m.id)).toEqual([messageId]);

  const audit = await withTenant(stack.services.db, stack.org.id, (trx) => trx('audit_log').orderBy('id').select('action', 'actor_type', 'target_id'));
  expect(audit.map((a: { action: string }) => a.action)).toEqual(
    expect.arrayContaining(['calls.listed', 'call.read', 'messages.listed', 'message.marked_read']),
  );
  expect(audit.find((a: { action: string }) => a.action === 'call.read')).toMatchObject({ actor_type: 'api_key', target_id: list.body.data[0].id });
});

test("another organization's calls and messages are 404, never their data", async () => {
  const call = await messageTakingCall('Katherine Johnson', 'Call me back please.');
  const callId = (await stack.services.db('calls').where({ call_sid: call.callSid }).first('id')).id;
  const messageId = (await stack.services.db('messages').where({ call_id: callId }).first('id')).id;
  const other = await makeOrganization(stack.services);
  const otherKey = await apiKeyFor(stack.services, other.id);
  const asOther = (path: string) => request(app).get(path).set('Authorization', `Bearer ${otherKey}`);

  const detail = await asOther(`/api/v1/calls/${callId}`);
  expect(detail.status).toBe(404);
  expect(JSON.stringify(detail.body)).not.toContain('Katherine');
  expect((await asOther('/api/v1/calls')).body.data).toEqual([]);
  expect((await asOther('/api/v1/messages')).body.data).toEqual([]);
  expect((await request(app).post(`/api/v1/messages/${messageId}/read`).set('Authorization', `Bearer ${otherKey}`)).status).toBe(404);
  expect((await stack.services.db('messages').where({ id: messageId }).first('status')).status).toBe('notified');
});

test("an admin deletes a call's recordings at Twilio: durable through Twilio errors, once only, never another tenant's", async () => {
  const key = await apiKeyFor(stack.services, stack.org.id);
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ recording_enabled: true });
  const call = stack.call();
  try {
    await call.dial();
  } finally {
    await stack.services.db('organizations').where({ id: stack.org.id }).update({ recording_enabled: false });
  }
  const sids = [`RE${randomBytes(16).toString('hex')}`, `RE${randomBytes(16).toString('hex')}`];
  for (const sid of sids) {
    await call.post('/twilio/voice/recording', { RecordingSid: sid, RecordingStatus: 'completed', RecordingDuration: '12', RecordingUrl: `https://api.twilio.com/recordings/${sid}` });
  }
  const callId = (await stack.services.db('calls').where({ call_sid: call.callSid }).first('id')).id;
  const remove = (apiKey: string) => request(app).delete(`/api/v1/calls/${callId}/recordings`).set('Authorization', `Bearer ${apiKey}`);
  expect((await remove(key)).status).toBe(409); // still recording: Twilio may not have reported every recording yet
  await call.status('completed', 30);
  await stack.result(call);

  const other = await makeOrganization(stack.services);
  expect((await remove(await apiKeyFor(stack.services, other.id))).status).toBe(404);
  expect(stack.twilioRest.deletedRecordings).not.toContain(sids[0]);

  stack.twilioRest.failRecordingDeletes = 1; // Twilio has a bad minute: the workflow retries
  const started = await remove(key);
  expect(started.status).toBe(202);
  expect(started.body).toEqual({ workflowId: `recordings-delete:${callId}` });
  expect(await stack.services.temporal.workflow.getHandle(started.body.workflowId).result()).toEqual({ deleted: 2 });
  expect(stack.twilioRest.deletedRecordings.filter((sid) => sids.includes(sid)).sort()).toEqual([...sids].sort());

  const detail = await request(app).get(`/api/v1/calls/${callId}`).set('Authorization', `Bearer ${key}`);
  expect(detail.body.recordings).toHaveLength(2);
  for (const recording of detail.body.recordings) expect(recording).toMatchObject({ status: 'deleted', deletedAt: expect.any(String) });
  expect(await stack.services.db('recordings').where({ call_id: callId }).whereNotNull('media_url')).toEqual([]);

  // A late or repeated recording callback does not bring a deleted recording back.
  await call.post('/twilio/voice/recording', { RecordingSid: sids[0]!, RecordingStatus: 'completed', RecordingDuration: '12', RecordingUrl: `https://api.twilio.com/recordings/${sids[0]}` });
  expect(await stack.services.db('recordings').where({ recording_sid: sids[0] }).first('status', 'media_url')).toEqual({ status: 'deleted', media_url: null });

  // Asked again: a new run finds nothing left to delete and Twilio is not called.
  const deletes = stack.twilioRest.deletedRecordings.length;
  const again = await remove(key);
  expect(await stack.services.temporal.workflow.getHandle(again.body.workflowId).result()).toEqual({ deleted: 0 });
  expect(stack.twilioRest.deletedRecordings.length).toBe(deletes);
});

test("a member listens to a call's recording, fetched from Twilio with the account's credentials; a deleted one is gone; another organization's is not found", async () => {
  const key = await apiKeyFor(stack.services, stack.org.id);
  const call = await messageTakingCall('Ada Lovelace', 'Call me back please.');
  const { id: callId } = await stack.services.db('calls').where({ call_sid: call.callSid }).first('id');
  const recordingSid = `RE${randomBytes(16).toString('hex')}`;
  const recordingId = `rec_${randomBytes(13).toString('hex').slice(0, 26)}`;
  await stack.services.db('recordings').insert({ id: recordingId, org_id: stack.org.id, call_id: callId, recording_sid: recordingSid, status: 'completed' });
  const play = () => request(app).get(`/api/v1/calls/${callId}/recordings/${recordingId}/audio`).set('Authorization', `Bearer ${key}`).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
  const played = await play();
  expect(played.status).toBe(200);
  expect(played.headers['content-type']).toBe('audio/mpeg');
  expect(played.headers['cache-control']).toBe('private, no-store');
  expect((played.body as Buffer).toString()).toBe(`ID3${recordingSid}`);
  const audited = await withTenant(stack.services.db, stack.org.id, (trx) => trx('audit_log').where({ action: 'call.recording_played', target_id: callId }).select('metadata'));
  expect(audited).toEqual([{ metadata: { recordingId } }]);

  const other = await makeOrganization(stack.services);
  const theirs = await request(app).get(`/api/v1/calls/${callId}/recordings/${recordingId}/audio`).set('Authorization', `Bearer ${await apiKeyFor(stack.services, other.id)}`);
  expect([theirs.status, theirs.body.error.code]).toEqual([404, 'not_found']);
  // Deleted at Twilio (the row not yet marked): gone, not an error.
  stack.twilioRest.deletedRecordings.push(recordingSid);
  expect((await play()).status).toBe(410);
  await stack.services.db('recordings').where({ id: recordingId }).update({ deleted_at: new Date() });
  const marked = await request(app).get(`/api/v1/calls/${callId}/recordings/${recordingId}/audio`).set('Authorization', `Bearer ${key}`);
  expect([marked.status, marked.body.error.code]).toEqual([410, 'recording_deleted']);
});

test('a trial conversation runs through the engine from the trial number, continues only with its own signed state, and bills nothing', async () => {
  const key = await apiKeyFor(stack.services, stack.org.id);
  const post = (path: string, body: object = {}, as = key) => request(app).post(path).set('Authorization', `Bearer ${as}`).send(body);
  const started = await post('/api/v1/trial-calls');
  expect(started.status).toBe(201);
  expect(started.body.said).toEqual([`Thank you for calling ${stack.org.name}. How can I help you?`]);
  const { callSid, state } = started.body as { callSid: string; state: string };
  stack.llm.script({ content: 'We open at nine.' });
  const reply = await post(`/api/v1/trial-calls/${callSid}/say`, { text: 'When do you open?', state });
  expect(reply.body).toMatchObject({ callSid, said: ['We open at nine.'], ended: false });

  // Another organization, a forged state, or another call's: not found.
  const other = await makeOrganization(stack.services);
  expect((await post(`/api/v1/trial-calls/${callSid}/say`, { text: 'Hi', state: reply.body.state }, await apiKeyFor(stack.services, other.id))).status).toBe(404);
  expect((await post(`/api/v1/trial-calls/${callSid}/say`, { text: 'Hi', state: 'forged' })).status).toBe(404);
  expect((await post(`/api/v1/trial-calls/CA${randomBytes(16).toString('hex')}/say`, { text: 'Hi', state: reply.body.state })).status).toBe(404);

  const ended = await post(`/api/v1/trial-calls/${callSid}/hang-up`, { state: reply.body.state });
  expect(ended.body.ended).toBe(true);
  expect((await post(`/api/v1/trial-calls/${callSid}/say`, { text: 'Hello?', state: ended.body.state })).body.error.code).toBe('call_ended');
  await stack.result({ callSid } as never);
  const row = await stack.services.db('calls').where({ call_sid: callSid }).first();
  expect(row).toMatchObject({ trial: true, status: 'completed', billable_seconds: 0 });
  expect(await openPhone(stack.services.fields, stack.org.id, CALL_FROM_CONTEXT, row)).toBe('+15005550006');
  expect(await stack.services.db('usage_records').where({ call_sid: callSid })).toEqual([]);
  // A phone call is never a trial.
  const real = await messageTakingCall('Mary Shelley', 'Call me.');
  expect((await stack.services.db('calls').where({ call_sid: real.callSid }).first('trial')).trial).toBe(false);
});
