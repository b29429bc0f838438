import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { callWorkflowId, turnUpdate, type CallStart } from '../../workflows/calls/definitions';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { recordHistory } from '../helpers/histories';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/app';
import { listen } from '../../src/platform/http/httpServer';
import { CALL_FROM_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone } from '../../src/platform/crypto/phoneNumbers';
import { recordCallStarted } from '../../src/calls/repositories/calls';
import { until } from '../helpers/booking';

/**
 * Every voice webhook is answered in time, whatever happens behind it: a malformed field in a validly
 * signed webhook, a value the database refuses, a workflow slower than the deadline.
 */
let stack: CallStack;
beforeAll(async () => {
  stack = await startCallStack({ WEBHOOK_DEADLINE_MS: '1000', LLM_TURN_TIMEOUT_MS: '4000' });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.llm.latencyMs = 0;
});

const newCallSid = () => `CA${randomBytes(16).toString('hex')}`;

/** A call's start as the incoming webhook makes it, for `callSid` (and `callId`) given. */
const callStart = (callSid: string, callId = `call_${randomBytes(8).toString('hex')}`): CallStart => ({
  callSid,
  callId,
  orgId: stack.org.id,
  direction: 'inbound',
  from: '+14155550111',
  to: stack.number,
  greeting: 'Hello',
  recording: { enabled: false, announcement: '' },
  agentDeadlineMs: 1500,
  statusCheckAfterMs: 60_000,
});

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

test('a signed webhook with control characters and broken Unicode in its fields is answered at once, the text scrubbed', async () => {
  const call = stack.call({ from: '\u0000\u0007' });
  const { ms } = await timed(call.dial());
  expect(ms).toBeLessThan(5_000);
  expect(call.lastSaid).toEqual([`Thank you for calling ${stack.org.name}. How can I help you?`]);
  stack.llm.script({ content: 'Sure, what day suits you?' });
  const res = await call.post('/twilio/voice/turn?n=1', { CallStatus: 'in-progress', SpeechResult: 'I need a cleaning\u0000 \ud800please' });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('Sure, what day suits you?');
  expect(stack.llm.requests.at(-1)!.messages.at(-1)!.content).toBe('I need a cleaning \uFFFDplease');
  const row = await stack.services.db('calls').where({ call_sid: call.callSid }).first();
  expect(await openPhone(stack.services.fields, row.org_id, CALL_FROM_CONTEXT, row)).toBe('anonymous');
  await call.status('completed', 20);
  expect(await stack.result(call)).toMatchObject({ status: 'completed' });
});

test('a call whose row the database refuses is told so at once and ends; the refusal is not retried', async () => {
  const callSid = newCallSid();
  // A value PostgreSQL refuses: a NUL in text (the caller's number no longer reaches it as text: it is encrypted).
  const start = callStart(callSid, `call_${randomBytes(8).toString('hex')}\u0000`);
  const { value: action, ms } = await timed(
    stack.services.temporal.workflow.executeUpdateWithStart(turnUpdate, {
      args: [{ kind: 'answer' }],
      updateId: 'answer',
      startWorkflowOperation: new WithStartWorkflowOperation('callWorkflow', {
        workflowId: callWorkflowId(callSid),
        taskQueue: stack.services.config.temporal.taskQueue,
        args: [start],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [{ key: OrgId, value: stack.org.id }],
      }),
    }),
  );
  expect(ms).toBeLessThan(5_000);
  expect(action).toEqual({ type: 'hangup', say: expect.stringContaining("can't take your call") });
  const handle = stack.services.temporal.workflow.getHandle(callWorkflowId(callSid));
  expect(await handle.result()).toEqual({ outcome: 'failed', status: 'not_recorded' });
  await recordHistory(handle, 'call-not-recorded');
  const events = (await handle.fetchHistory()).events ?? [];
  const markers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  // One local activity marker: one attempt, failed as non-retryable with the database's reason.
  expect(markers).toHaveLength(1);
  expect(JSON.stringify(markers[0])).toContain('InvalidData');
  expect(await stack.services.db('calls').where({ call_sid: callSid })).toHaveLength(0);
});

test('an incoming call whose row the database refuses hears an apology at once; no workflow is started', async () => {
  const call = stack.call();
  // A refusal retrying cannot mend (a CHECK violation, SQLSTATE 23514), for this call alone.
  await stack.services.db.raw(`alter table calls add constraint refuses_one_call check (call_sid <> '${call.callSid}') not valid`);
  try {
    const { value: twiml, ms } = await timed(call.dial());
    expect(ms).toBeLessThan(1_000); // at once, not at the webhook's deadline
    expect(twiml).toContain("can't take your call right now. Please try again later.");
    expect(twiml).toContain('<Hangup/>');
  } finally {
    await stack.services.db.raw('alter table calls drop constraint refuses_one_call');
  }
  expect(await stack.services.db('calls').where({ call_sid: call.callSid })).toHaveLength(0);
  await expect(stack.services.temporal.workflow.getHandle(callWorkflowId(call.callSid)).describe()).rejects.toThrow(WorkflowNotFoundError);
});

test('a call whose workflow never started (Temporal unreachable through every attempt) is closed by its final status callback, nothing billed', async () => {
  const call = stack.call();
  // What the incoming webhook leaves when it wrote the row but could not start the workflow.
  await recordCallStarted(stack.services, callStart(call.callSid));
  expect(await call.status('in-progress')).toBe(200);
  expect(await stack.services.db('calls').where({ call_sid: call.callSid }).first()).toMatchObject({ status: 'in_progress' });
  expect(await call.status('completed', 9)).toBe(200);
  await until(async () => (await stack.services.db('calls').where({ call_sid: call.callSid }).first()).status === 'failed', 5_000);
  expect(await stack.services.db('calls').where({ call_sid: call.callSid }).first()).toMatchObject({ outcome: 'failed', duration_seconds: 9, billable_seconds: 0 });
  expect(await stack.services.db('usage_records').where({ call_sid: call.callSid })).toHaveLength(0);
});

test('a turn slower than the deadline: the caller hears "a moment", Twilio asks again and gets the answer, applied once', async () => {
  const call = stack.call();
  await call.dial();
  stack.llm.latencyMs = 1_600;
  stack.llm.script({ content: 'We open at nine tomorrow.' });
  const requestsBefore = stack.llm.requests.length;
  const first = await timed(call.post('/twilio/voice/turn?n=1', { CallStatus: 'in-progress', SpeechResult: 'When do you open tomorrow?' }));
  expect(first.ms).toBeLessThan(1_500);
  const hold = await first.value.text();
  expect(first.value.status).toBe(200);
  expect(hold).toContain('just a moment');
  const retry = /<Redirect method="POST">([^<]+)<\/Redirect>/.exec(hold)![1]!.replace(/&amp;/g, '&');
  expect(retry).toBe('https://callgenly.test/twilio/voice/turn?n=1&attempt=2');

  // Twilio follows the redirect: the same Update id attaches to the turn under way.
  const again = await call.post(new URL(retry).pathname + new URL(retry).search, { CallStatus: 'in-progress' });
  expect(await again.text()).toContain('We open at nine tomorrow.');
  expect(stack.llm.requests.length - requestsBefore).toBe(1);

  // The last attempt, still too slow, says goodbye rather than leaving the caller waiting.
  stack.llm.script({ content: 'Anything else?' });
  const last = await call.post('/twilio/voice/turn?n=2&attempt=3', { CallStatus: 'in-progress', SpeechResult: 'Thanks' });
  const lastTwiml = await last.text();
  expect(lastTwiml).toContain('<Hangup/>');
  expect(lastTwiml).not.toContain('<Redirect');
  await call.status('completed', 20);
  await stack.result(call);
});

test('Temporal unreachable: every voice webhook still answers within the deadline, never 5xx', async () => {
  // A real client whose server accepts the connection and never answers (no retries: at the end the
  // connections are cut, its calls fail, and it can be closed).
  const sockets = new Set<Socket>();
  const blackHole = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
  const temporal = new Client({ connection: Connection.lazy({ address, interceptors: [] }) });
  const http = await listen(createApp({ ...stack.services, temporal }), '127.0.0.1', 0);
  try {
    const call = stack.call({ target: http.url });
    const incoming = await timed(call.post('/twilio/voice/incoming', { CallStatus: 'ringing', Direction: 'inbound' }));
    expect(incoming.value.status).toBe(200);
    expect(incoming.ms).toBeLessThan(3_000);
    expect(await incoming.value.text()).toContain('https://callgenly.test/twilio/voice/incoming?attempt=2');
    const lastTry = await call.post('/twilio/voice/incoming?attempt=3', { CallStatus: 'ringing', Direction: 'inbound' });
    expect(await lastTry.text()).toMatch(/try again.*<Hangup\/>/s);
    const turn = await timed(call.post('/twilio/voice/turn?n=1', { CallStatus: 'in-progress', SpeechResult: 'Hello?' }));
    expect([turn.value.status, turn.ms < 3_000]).toEqual([200, true]);
    const status = await timed(call.post('/twilio/voice/status', { CallStatus: 'completed', CallDuration: '5' }));
    expect([status.value.status, status.ms < 3_000]).toEqual([200, true]);
  } finally {
    await http.close(100);
    blackHole.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await temporal.connection.close();
  }
});

test('the database stalled: the recording callback is still answered within the deadline, never 5xx', async () => {
  const { createDb } = await import('../../src/platform/db/knex');
  const sockets = new Set<Socket>();
  const blackHole = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const db = createDb(`postgres://nobody@127.0.0.1:${(blackHole.address() as AddressInfo).port}/stalled`, 1);
  const http = await listen(createApp({ ...stack.services, db }), '127.0.0.1', 0);
  try {
    const call = stack.call({ target: http.url });
    const recording = await timed(call.post('/twilio/voice/recording', { RecordingSid: `RE${randomBytes(16).toString('hex')}`, RecordingStatus: 'completed', RecordingDuration: '12' }));
    expect(recording.value.status).toBe(200);
    expect(recording.ms).toBeLessThan(3_000);
  } finally {
    await http.close(100);
    for (const socket of sockets) socket.destroy();
    blackHole.close();
    await db.destroy().catch(() => undefined);
  }
});

test('Temporal refusing connections for a moment: the incoming call is tried again within the deadline and greeted, not put on hold', async () => {
  // A port nothing listens on at first (connections refused, as while Temporal restarts), then a proxy to
  // the real server on it. The client does not retry by itself (no interceptors).
  const parked = createServer();
  await new Promise<void>((resolve) => parked.listen(0, '127.0.0.1', resolve));
  const port = (parked.address() as AddressInfo).port;
  await new Promise((resolve) => parked.close(resolve));
  const [host, upstreamPort] = stack.services.config.temporal.address!.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(upstreamPort), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  const opened = new Promise((resolve) => setTimeout(resolve, 300)).then(() => new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve)));
  const temporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: [] }) });
  const config = { ...stack.services.config, http: { ...stack.services.config.http, webhookDeadlineMs: 4000 } };
  const http = await listen(createApp({ ...stack.services, temporal, config }), '127.0.0.1', 0);
  try {
    const call = stack.call({ target: http.url });
    const incoming = await timed(call.post('/twilio/voice/incoming', { CallStatus: 'ringing', Direction: 'inbound' }));
    expect(incoming.value.status).toBe(200);
    const twiml = await incoming.value.text();
    expect(twiml).not.toContain('<Redirect');
    expect(twiml).toContain(`Thank you for calling ${stack.org.name}`);
    expect(incoming.ms).toBeLessThan(4_000);
    await call.status('completed', 3);
  } finally {
    await opened;
    await http.close(100);
    await temporal.connection.close();
    for (const socket of sockets) socket.destroy();
    proxy.close();
  }
});
