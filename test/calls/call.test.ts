import { WorkflowNotFoundError } from '@temporalio/client';
import { CALL_ENTITIES_CONTEXT, CALL_SUMMARY_CONTEXT, MESSAGE_BODY_CONTEXT, MESSAGE_CALLBACK_CONTEXT, TRANSCRIPT_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { withTenant } from '../../src/platform/db/tenancy';
import { callSummaryQuery, callWorkflowId } from '../../workflows/calls/definitions';
import { until } from '../helpers/booking';
import { recordHistory } from '../helpers/histories';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { openPhone } from '../../src/platform/crypto/phoneNumbers';

let stack: CallStack;
beforeAll(async () => {
  stack = await startCallStack();
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.llm.fallback = () => ({ content: 'How else can I help?' });
  stack.llm.latencyMs = 0;
});

/** With RECORD_HISTORIES=1, keeps the call's history in test/histories for the replay test. */
const recordCallHistory = (call: { callSid: string }, name: string) => recordHistory(stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)), name);

async function callRow(callSid: string) {
  return stack.services.db('calls').where({ call_sid: callSid }).first();
}

async function transcript(callId: string): Promise<Array<{ role: string; text: string }>> {
  const rows = await withTenant(stack.services.db, stack.org.id, (trx) => trx('transcript_turns').where({ call_id: callId }).orderBy('seq'));
  return Promise.all(
    rows.map(async (r: { role: string; text_ciphertext: Buffer }) => ({
      role: r.role,
      text: await stack.services.fields.decrypt(stack.org.id, TRANSCRIPT_CONTEXT, r.text_ciphertext),
    })),
  );
}

test('a message-taking call, from the incoming webhook to the completed status', async () => {
  const call = stack.call();
  const greeting = await call.dial();
  expect(greeting).toMatch(/<Gather input="speech" action="https:\/\/callgenly\.test\/twilio\/voice\/turn\?n=1"/);
  expect(call.lastSaid).toEqual([`Thank you for calling ${stack.org.name}. How can I help you?`]);

  stack.llm.script(
    { toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Ada Lovelace', message: 'Please call me about my crown.' } }] },
    { content: "Thanks Ada, I've passed that on. Anything else?" },
  );
  await call.say("Hi, it's Ada Lovelace. Can Dr. Lee call me back about my crown?");
  expect(call.lastSaid).toEqual(["Thanks Ada, I've passed that on. Anything else?"]);

  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Have a lovely day. Goodbye!' });
  const goodbye = await call.say("No, that's all. Bye!");
  expect(goodbye).toContain('<Hangup/>');
  expect(call.ended).toBe(true);
  stack.llm.scriptJson({
    content: JSON.stringify({
      intents: ['leave_message', 'speak_to_person', 'leave_message'],
      entities: { callerName: 'Ada Lovelace', callbackNumber: '(415) 555-0111', service: 'crown', requestedTime: null },
      summary: 'Ada Lovelace asked Dr. Lee to call her back about her crown.',
    }),
  });
  await call.status('completed', 95);

  expect(await stack.result(call)).toEqual({ outcome: 'message_taken', status: 'completed' });
  await recordCallHistory(call, 'call-message-taken');

  // The agent had the organization's context and the tool list.
  const firstRequest = stack.llm.requests.at(-3)!;
  expect(firstRequest.model).toBe('fake-model');
  expect(firstRequest.messages[0]!.content).toContain('Do you open on Saturdays?');
  expect(firstRequest.messages[0]!.content).toMatch(/Current local time: \w+day/);
  expect(firstRequest.tools!.map((t) => t.function.name).sort()).toEqual(
    ['book_appointment', 'cancel_appointment', 'check_availability', 'end_call', 'reschedule_appointment', 'take_message', 'transfer_to_human'],
  );

  const row = await callRow(call.callSid);
  expect(row).toMatchObject({ org_id: stack.org.id, status: 'completed', outcome: 'message_taken', duration_seconds: 95, billable_seconds: 95, direction: 'inbound' });
  const usage = await stack.services.db('usage_records').where({ idempotency_key: `usage:${call.callSid}` });
  expect(usage).toHaveLength(1);
  expect(usage[0].billable_seconds).toBe(95);

  expect(await transcript(row.id)).toEqual([
    { role: 'agent', text: `Thank you for calling ${stack.org.name}. How can I help you?` },
    { role: 'caller', text: "Hi, it's Ada Lovelace. Can Dr. Lee call me back about my crown?" },
    { role: 'agent', text: "Thanks Ada, I've passed that on. Anything else?" },
    { role: 'caller', text: "No, that's all. Bye!" },
    { role: 'agent', text: 'Have a lovely day. Goodbye!' },
  ]);

  // After the call: intents, entities and a summary through structured output, stored encrypted.
  const analysisRequest = stack.llm.jsonRequests.at(-1)!;
  expect(analysisRequest.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'call_analysis', strict: true } });
  expect(analysisRequest.messages.at(-1)!.content).toContain("Caller: Hi, it's Ada Lovelace. Can Dr. Lee call me back about my crown?");
  expect(row.intents).toEqual(['leave_message', 'speak_to_person']);
  expect(row.entities_ciphertext.toString('latin1')).not.toContain('Ada');
  expect(JSON.parse(await stack.services.fields.decrypt(stack.org.id, CALL_ENTITIES_CONTEXT, row.entities_ciphertext))).toEqual({
    callerName: 'Ada Lovelace',
    callbackNumber: '+14155550111',
    service: 'crown',
    requestedTime: null,
  });
  expect(await stack.services.fields.decrypt(stack.org.id, CALL_SUMMARY_CONTEXT, row.summary_ciphertext)).toBe('Ada Lovelace asked Dr. Lee to call her back about her crown.');

  const [message] = await stack.services.db('messages').where({ call_id: row.id });
  expect(message.status).toBe('notified');
  expect(message.callback_e164).toBeNull();
  expect(await openPhone(stack.services.fields, stack.org.id, MESSAGE_CALLBACK_CONTEXT, message)).toBe('+14155550111');
  expect(message.body_ciphertext.toString('latin1')).not.toContain('crown');
  expect(await stack.services.fields.decrypt(stack.org.id, MESSAGE_BODY_CONTEXT, message.body_ciphertext)).toBe('Please call me about my crown.');
  // Sent by its own notification workflow, once the message is stored.
  await until(() => stack.twilioRest.messages.some((m) => m.To === stack.businessNumber && m.Body.includes('crown')), 10_000);
  expect(stack.twilioRest.messages).toContainEqual({
    From: stack.number,
    To: stack.businessNumber,
    Body: `${stack.org.name}: message from Ada Lovelace (+14155550111): Please call me about my crown.`,
  });
});

test('stored transcripts are ciphertext, not plaintext', async () => {
  const call = stack.call();
  await call.dial();
  stack.llm.script({ content: 'We open at eight.' });
  await call.say('What time do you open on Tuesday? My name is Grace Hopper.');
  await call.status('completed', 20);
  await stack.result(call);
  const row = await callRow(call.callSid);
  const raw = await stack.services.db('transcript_turns').where({ call_id: row.id });
  expect(raw.length).toBe(3);
  for (const turn of raw) expect(turn.text_ciphertext.toString('latin1')).not.toMatch(/Grace|open/);
  expect(row.outcome).toBe('info_only');
});

describe('signatures', () => {
  test('a bad or missing signature gets 403 and changes nothing', async () => {
    const call = stack.call();
    const forged = await call.post('/twilio/voice/incoming', { CallStatus: 'ringing' }, 'bm90IGEgc2lnbmF0dXJl');
    expect(forged.status).toBe(403);
    const missing = await fetch(`${stack.http.url}/twilio/voice/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ CallSid: call.callSid, To: stack.number, From: '+14155550111' }).toString(),
    });
    expect(missing.status).toBe(403);
    await expect(stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)).describe()).rejects.toThrow(WorkflowNotFoundError);
    expect(await callRow(call.callSid)).toBeUndefined();
  });

  test('a parameter changed after signing is refused', async () => {
    const call = stack.call();
    await call.dial();
    const res = await fetch(`${stack.http.url}/twilio/voice/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
      body: new URLSearchParams({ CallSid: call.callSid, CallStatus: 'completed', CallDuration: '9999' }).toString(),
    });
    expect(res.status).toBe(403);
    expect(await stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)).query(callSummaryQuery)).toMatchObject({ status: 'in_progress' });
    await call.status('completed', 5);
    await stack.result(call);
  });
});

test('a call to a number no organization owns hears a polite message and nothing is stored', async () => {
  const call = stack.call({ to: '+14155550199' });
  const twiml = await call.dial();
  expect(call.lastSaid).toEqual(['Sorry, this number is not in service. Goodbye.']);
  expect(twiml).toContain('<Hangup/>');
  expect(await callRow(call.callSid)).toBeUndefined();
  await expect(stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)).describe()).rejects.toThrow(WorkflowNotFoundError);
});

test('an incoming call is answered without waiting for a worker: the row first, the workflow started, the greeting recorded once a worker runs', async () => {
  await stack.stopWorker();
  const call = stack.call();
  let twiml: string;
  try {
    twiml = await call.dial();
    expect(call.lastSaid).toEqual([`Thank you for calling ${stack.org.name}. How can I help you?`]);
    expect(twiml).toContain('/twilio/voice/turn?n=1');
    // Before any callback can come: the call's row, and its workflow started but not yet run by any worker.
    expect(await callRow(call.callSid)).toMatchObject({ status: 'in_progress' });
    const handle = stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await handle.fetchHistory()).events!.some((e) => e.workflowTaskCompletedEventAttributes)).toBe(false);
    // Twilio asking again finds the same row and workflow and says the same.
    const again = await call.post('/twilio/voice/incoming', { CallStatus: 'ringing', Direction: 'inbound' });
    expect(await again.text()).toBe(twiml);
  } finally {
    await stack.startWorker();
  }
  stack.llm.script({ content: 'We open at nine.' });
  await call.say('When do you open?');
  expect(call.lastSaid).toEqual(['We open at nine.']);
  await call.status('completed', 20);
  expect(await stack.result(call)).toEqual({ outcome: 'info_only', status: 'completed' });
  expect(await stack.services.db('calls').where({ call_sid: call.callSid })).toHaveLength(1);
  expect(await transcript((await callRow(call.callSid)).id)).toEqual([
    { role: 'agent', text: `Thank you for calling ${stack.org.name}. How can I help you?` },
    { role: 'caller', text: 'When do you open?' },
    { role: 'agent', text: 'We open at nine.' },
  ]);
  await recordCallHistory(call, 'call-answered-at-start');
});

test('repeated webhooks change nothing twice', async () => {
  const call = stack.call();
  const first = await call.dial();
  const again = await call.post('/twilio/voice/incoming', { CallStatus: 'ringing', Direction: 'inbound' });
  expect(await again.text()).toBe(first);

  const before = stack.llm.requests.length;
  stack.llm.script({ content: 'We are at 500 Market Street.' });
  const answer = await call.say('Where are you?');
  const retried = await call.post('/twilio/voice/turn?n=1', { CallStatus: 'in-progress', SpeechResult: 'Where are you?' });
  expect(await retried.text()).toBe(answer);
  expect(stack.llm.requests.length).toBe(before + 1);

  await call.status('completed', 30);
  await call.status('completed', 30, 99);
  await stack.result(call);
  expect(await stack.services.db('calls').where({ call_sid: call.callSid })).toHaveLength(1);
  expect(await stack.services.db('usage_records').where({ call_sid: call.callSid })).toHaveLength(1);
  expect((await transcript((await callRow(call.callSid)).id)).length).toBe(3);
});

test('out-of-order status callbacks never undo the final status', async () => {
  const call = stack.call();
  await call.dial();
  expect(await call.status('completed', 12, 3)).toBe(200);
  expect(await call.status('in-progress', undefined, 1)).toBe(200);
  expect(await stack.result(call)).toEqual({ outcome: 'abandoned', status: 'completed' });
  expect((await callRow(call.callSid)).status).toBe('completed');
});

test('silence: a re-prompt, then a polite goodbye', async () => {
  const analyses = stack.llm.jsonRequests.length;
  const call = stack.call();
  await call.dial();
  await call.silence();
  expect(call.lastSaid).toEqual(["Sorry, I didn't catch that. How can I help you?"]);
  expect(call.ended).toBe(false);
  const twiml = await call.silence();
  expect(twiml).toContain('<Hangup/>');
  expect(call.lastSaid[0]).toMatch(/haven't heard anything/);
  await call.status('completed', 14);
  expect(await stack.result(call)).toEqual({ outcome: 'abandoned', status: 'completed' });
  expect(stack.llm.jsonRequests.length).toBe(analyses); // the caller said nothing: nothing to analyse
});

describe('transfer to a human', () => {
  test('answered: the call is transferred', async () => {
    const call = stack.call();
    await call.dial();
    stack.llm.script({ toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'billing question' } }], content: 'One moment, connecting you.' });
    await call.say('Can I talk to a person about my bill?');
    expect(call.dialing).toBe(stack.businessNumber);
    expect(call.lastSaid).toEqual(['One moment, connecting you.']);
    const after = await call.dialResult('completed');
    expect(after).toContain('<Hangup/>');
    await call.status('completed', 240);
    expect(await stack.result(call)).toEqual({ outcome: 'transferred', status: 'completed' });
    await recordCallHistory(call, 'call-transferred');
  });

  test('nobody answers: the caller can leave a message', async () => {
    const call = stack.call();
    await call.dial();
    stack.llm.script({ toolCalls: [{ name: 'transfer_to_human', arguments: {} }] });
    await call.say('Put me through to someone please.');
    await call.dialResult('no-answer');
    expect(call.lastSaid[0]).toMatch(/nobody is available right now.*What's your name\?/);
    await call.say('Alan Turing');
    await call.say('Please call me back today.');
    expect(call.ended).toBe(true);
    await call.status('completed', 60);
    expect(await stack.result(call)).toEqual({ outcome: 'message_taken', status: 'completed' });
  });
});

describe('the LLM fails: the call goes on, scripted', () => {
  test.each([
    ['a server error', { status: 500, error: 'overloaded' }],
    ['a rate limit', { status: 429, error: 'rate limited' }],
    ['a timeout past the per-turn deadline', { hangMs: 4_000 }],
  ])('%s: apology, name, message, and the business is texted', async (_label, failure) => {
    const call = stack.call({ from: '+14155550177' });
    await call.dial();
    stack.llm.script(failure as never);
    const started = Date.now();
    await call.say('I need to change my appointment.');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(call.lastSaid[0]).toMatch(/^I'm sorry, I'm having trouble right now.*What's your name\?$/);
    await call.say('Katherine Johnson');
    expect(call.lastSaid[0]).toMatch(/^Thank you, Katherine Johnson\. What message/);
    const sent = stack.twilioRest.messages.length;
    await call.say('Please move my Thursday appointment to next week.');
    expect(call.ended).toBe(true);
    await call.status('completed', 70);
    expect(await stack.result(call)).toEqual({ outcome: 'message_taken', status: 'completed' });
    if ('status' in failure && failure.status === 500) await recordCallHistory(call, 'call-llm-failed-fallback');
    await until(() => stack.twilioRest.messages.slice(sent).some((m) => m.To === stack.businessNumber), 10_000);
    expect(stack.twilioRest.messages.slice(sent)).toContainEqual({
      From: stack.number,
      To: stack.businessNumber,
      Body: `${stack.org.name}: message from Katherine Johnson (+14155550177): Please move my Thursday appointment to next week. [taken by the backup script: the AI agent was unavailable]`,
    });
  });
});

test('invalid tool arguments go back to the model as an error; the call goes on', async () => {
  const call = stack.call();
  await call.dial();
  stack.llm.script(
    { toolCalls: [{ name: 'take_message', arguments: '{"caller_name": 42' }] },
    { toolCalls: [{ name: 'take_message', arguments: { caller_name: '', message: 'x' } }] },
    { toolCalls: [{ name: 'book_appointment', arguments: { service: 'cleaning', start: '2026-12-01T09:00:00-08:00', customer_name: 'Ada', customer_phone: '4155550111' } }] },
    { content: "We don't offer cleanings, but I can take a message." },
  );
  await call.say('Book me a cleaning on December first at nine.');
  expect(call.lastSaid).toEqual(["We don't offer cleanings, but I can take a message."]);
  const toolReplies = stack.llm.requests.slice(-1)[0]!.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content!));
  expect(toolReplies).toEqual([
    { ok: false, error: 'arguments are not valid JSON' },
    { ok: false, error: expect.stringContaining('caller_name') },
    { ok: false, error: 'No service called "cleaning". Services offered: none.' },
  ]);
  await call.status('completed', 25);
  await stack.result(call);
});

test('a worker restarted mid-call loses nothing: the next turn has the whole conversation', async () => {
  // A model answers in hundreds of milliseconds, and the turn's transcript write hides behind it; with an
  // instant fake model a write still under way (a just-restarted worker, a loaded machine) would travel
  // with the next turn instead, as designed, and the check below would see it missing.
  stack.llm.latencyMs = 300;
  const call = stack.call();
  await call.dial();
  stack.llm.script({ content: 'Sure, what is your name?' });
  await call.say('I would like to leave a message.');
  await stack.restartWorker();
  stack.llm.script({ content: 'Thanks Margaret, what is the message?' });
  await call.say('Margaret Hamilton.');
  const sent = stack.llm.requests.at(-1)!.messages.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${m.content}`);
  expect(sent).toEqual([
    `assistant: Thank you for calling ${stack.org.name}. How can I help you?`,
    'user: I would like to leave a message.',
    'assistant: Sure, what is your name?',
    'user: Margaret Hamilton.',
  ]);
  // Mid-call, each agent turn stored the lines said before it while the model was thinking.
  expect(await transcript((await callRow(call.callSid)).id)).toEqual([
    { role: 'agent', text: `Thank you for calling ${stack.org.name}. How can I help you?` },
    { role: 'caller', text: 'I would like to leave a message.' },
    { role: 'agent', text: 'Sure, what is your name?' },
    { role: 'caller', text: 'Margaret Hamilton.' },
  ]);
  await call.status('completed', 40);
  await stack.result(call);
  expect((await transcript((await callRow(call.callSid)).id)).length).toBe(5);
});

test('no final status callback: the call asks Twilio and finishes', async () => {
  const quick = await startCallStack({ CALL_STATUS_CHECK_AFTER_MS: '1500' });
  try {
    const call = quick.call();
    await call.dial();
    quick.twilioRest.calls.set(call.callSid, { status: 'in-progress' });
    await new Promise((r) => setTimeout(r, 2_000));
    quick.twilioRest.calls.set(call.callSid, { status: 'completed', duration: '33' });
    expect(await quick.result(call)).toEqual({ outcome: 'abandoned', status: 'completed' });
    expect((await quick.services.db('calls').where({ call_sid: call.callSid }).first()).billable_seconds).toBe(33);
  } finally {
    await quick.close();
  }
});

test('no final status, and Twilio cannot tell (it does not know the call, or is unreachable past CALL_STATUS_GIVE_UP_MS): the call ends as unknown, not retrying for ever', async () => {
  const quick = await startCallStack({ CALL_STATUS_CHECK_AFTER_MS: '1000', CALL_STATUS_GIVE_UP_MS: '3000' });
  try {
    const call = quick.call();
    await call.dial();
    // Twilio's REST API does not know the call (404): the status check fails until it gives up.
    expect(await quick.result(call)).toEqual({ outcome: 'failed', status: 'unknown' });
    await recordHistory(quick.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)), 'call-status-unknown');
    const row = await quick.services.db('calls').where({ call_sid: call.callSid }).first();
    expect(row).toMatchObject({ status: 'failed', billable_seconds: 0 });
    expect(row.ended_at).not.toBeNull();
  } finally {
    await quick.close();
  }
});

test('recording on: the announcement comes first, then the recording starts; its metadata is stored', async () => {
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ recording_enabled: true, recording_announcement: 'This call is recorded.' });
  try {
    const call = stack.call();
    const twiml = await call.dial();
    expect(twiml.indexOf('This call is recorded.')).toBeLessThan(twiml.indexOf('<Start><Recording'));
    expect(twiml).toContain('recordingStatusCallback="https://callgenly.test/twilio/voice/recording"');
    const recordingSid = `RE${'ab'.repeat(16)}`;
    for (const status of ['in-progress', 'completed']) {
      const res = await call.post('/twilio/voice/recording', { RecordingSid: recordingSid, RecordingStatus: status, RecordingDuration: '31', RecordingUrl: `https://api.twilio.com/recordings/${recordingSid}` });
      expect(res.status).toBe(200);
    }
    await call.status('completed', 31);
    await stack.result(call);
    const row = await callRow(call.callSid);
    expect(row.recording_enabled).toBe(true);
    expect(await stack.services.db('recordings').where({ call_id: row.id }).select('recording_sid', 'status', 'duration_seconds')).toEqual([
      { recording_sid: recordingSid, status: 'completed', duration_seconds: 31 },
    ]);
  } finally {
    await stack.services.db('organizations').where({ id: stack.org.id }).update({ recording_enabled: false });
  }
});

test('recording off (the default): no announcement, no recording', async () => {
  const call = stack.call();
  const twiml = await call.dial();
  expect(twiml).not.toContain('<Recording');
  expect(call.lastSaid).toHaveLength(1);
  await call.status('completed', 3);
  await stack.result(call);
});

test('LLM_STREAM=false: a server that does not stream gets plain requests, tools work the same', async () => {
  const plain = await startCallStack({ LLM_STREAM: 'false' });
  try {
    const call = plain.call();
    await call.dial();
    plain.llm.script({ toolCalls: [{ name: 'transfer_to_human', arguments: {} }], content: 'Connecting you now.' });
    await call.say('A person, please.');
    expect(plain.llm.requests.at(-1)!.stream).toBeFalsy();
    expect(call.dialing).toBe(plain.businessNumber);
    await call.dialResult('completed');
    await call.status('completed', 30);
    expect(await plain.result(call)).toEqual({ outcome: 'transferred', status: 'completed' });
  } finally {
    await plain.close();
  }
});
