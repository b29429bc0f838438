import { randomBytes } from 'node:crypto';
import { ensureUsageReportSchedule } from '../../src/notifications/schedules';
import { notificationWorkflowId } from '../../workflows/notifications/definitions';
import { until } from '../helpers/booking';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp';
import { recordFirstCompleted, recordHistory } from '../helpers/histories';

/**
 * Notifications end to end: a real trigger writes the row, its workflow sends it through the real
 * channel (nodemailer to a local SMTP server, the twilio SDK to the Twilio fake), once.
 */
let stack: CallStack;
let smtp: FakeSmtp;
let failNextData = false;
const FRONT_DESK = 'front-desk@bright-smile.test';

beforeAll(async () => {
  smtp = await startFakeSmtp({
    rejectRecipient: (address) => address.startsWith('bounce'),
    // A temporary refusal (451) of the next message, as a busy mail server answers.
    holdData: () => {
      if (!failNextData) return undefined;
      failNextData = false;
      return Promise.reject(Object.assign(new Error('Try again later'), { responseCode: 451 }));
    },
  });
  stack = await startCallStack({ SMTP_URL: smtp.url, NOTIFICATION_RELAY_INTERVAL_MS: '1000', NOTIFY_MAX_PER_RECIPIENT_PER_HOUR: '5' });
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_emails: [FRONT_DESK] });
});
afterAll(async () => {
  await stack.close();
  await smtp.close();
});

const handleOf = (notificationId: string) => stack.services.temporal.workflow.getHandle(notificationWorkflowId(notificationId));
const mailTo = (address: string) => smtp.messages.filter((m) => m.envelope.to.includes(address));
const rowsOf = (cause: string) => stack.services.db('notifications').where('idempotency_key', 'like', `${cause}:%`).orderBy('channel');

test('a message taken on a call is emailed and texted to the business once, though the mail server refused the first try', async () => {
  failNextData = true;
  const call = stack.call();
  await call.dial();
  stack.llm.script({ toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Ada <b>Lovelace</b>', message: 'Please call me about my crown.' } }] }, { content: 'Passed on. Anything else?' });
  await call.say('Can Dr. Lee call me back about my crown?');
  stack.llm.script({ toolCalls: [{ name: 'end_call', arguments: {} }], content: 'Goodbye!' });
  await call.say("No, that's all.");
  stack.llm.scriptJson({ content: JSON.stringify({ intents: ['leave_message'], entities: { callerName: 'Ada', callbackNumber: null, service: null, requestedTime: null }, summary: 'A message.' }) });
  await call.status('completed', 40);
  expect(await stack.result(call)).toEqual({ outcome: 'message_taken', status: 'completed' });

  await until(() => mailTo(FRONT_DESK).length > 0, 20_000);
  const [mail] = mailTo(FRONT_DESK);
  expect(mail!.subject).toBe(`${stack.org.name}: new message from Ada <b>Lovelace</b>`);
  expect(mail!.text).toContain('Please call me about my crown.');
  expect(mail!.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;'); // the caller's words are never markup
  expect(mail!.headerLines.map((h) => h.key)).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));

  const [message] = await stack.services.db('messages').join('calls', 'calls.id', 'messages.call_id').where('calls.call_sid', call.callSid).select('messages.id');
  const rows = await rowsOf(`message-taken:${message.id}`);
  expect(rows.map((r) => [r.channel, r.recipient, r.status])).toEqual([
    ['email', FRONT_DESK, 'sent'],
    ['sms', stack.businessNumber, 'sent'],
  ]);
  expect(rows[0].attempts).toBe(2); // refused once, sent on the retry
  expect(rows[0].provider_message_id).toBe(`<${rows[0].id}@callgenly>`);
  await recordHistory(handleOf(rows[0].id), 'notification-retried-then-sent');

  // The same cause again (a retried or replayed activity), or the delivery re-run: nothing more is sent.
  await stack.services.notifier.notify({ kind: 'calls.message_taken', orgId: stack.org.id, payload: { messageId: message.id, viaFallback: false }, to: 'org_addresses', cause: `message-taken:${message.id}` });
  const rerun = await handleOf(rows[0].id).result();
  expect(rerun).toBe('sent');
  await new Promise((r) => setTimeout(r, 500));
  expect(mailTo(FRONT_DESK)).toHaveLength(1);
  expect(stack.twilioRest.messages.filter((m) => m.To === stack.businessNumber && m.Body.includes('crown'))).toHaveLength(1);
});

test('a STOP texted to our number stops every further text to that person from it; START allows them again', async () => {
  const person = `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
  const call = stack.call({ from: person });
  const sms = (body: string) => call.post('/twilio/sms/incoming', { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: person, To: stack.number, Body: body });
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_e164s: [person] });
  const notify = (cause: string) => stack.services.notifier.notify({ kind: 'calendar.connection_broken', orgId: stack.org.id, payload: { provider: 'Google Calendar' }, to: 'org_addresses', cause });
  const texts = () => stack.twilioRest.messages.filter((m) => m.To === person);
  try {
    expect((await sms('STOP')).status).toBe(200);
    await notify(`test-stop:${person}`);
    await until(async () => (await rowsOf(`test-stop:${person}`)).every((r) => r.status !== 'pending' && r.status !== 'sending'), 15_000);
    const stopped = (await rowsOf(`test-stop:${person}`)).find((r) => r.channel === 'sms');
    expect(stopped).toMatchObject({ status: 'suppressed', reason: 'the recipient texted STOP' });
    expect(texts()).toEqual([]);

    expect((await sms('start')).status).toBe(200);
    await notify(`test-start:${person}`);
    await until(() => texts().length > 0, 15_000);
    expect(texts().map((m) => m.Body)).toEqual([`${stack.org.name}: Callgenly lost access to your Google Calendar. Reconnect it to avoid double bookings.`]);
  } finally {
    await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_e164s: [] });
  }
});

test('the weekly usage report fires on its schedule with the period\'s figures', async () => {
  const owner = { id: `usr_${randomBytes(8).toString('hex')}`, email: `owner-${randomBytes(4).toString('hex')}@bright-smile.test` };
  await stack.services.db('users').insert({ id: owner.id, email: owner.email, name: 'Olive Owner' });
  await stack.services.db('memberships').insert({ org_id: stack.org.id, user_id: owner.id, role: 'owner' });
  const callsBefore = await stack.services.db('calls').where({ org_id: stack.org.id }).select('outcome', 'billable_seconds', 'duration_seconds');
  const scheduleId = `usage-report:${stack.org.id}`;
  await ensureUsageReportSchedule(stack.services.temporal, { orgId: stack.org.id, timeZone: 'America/New_York', taskQueue: stack.services.config.temporal.taskQueue, everyMs: 2_000 });
  try {
    await until(() => mailTo(owner.email).length > 0, 20_000);
  } finally {
    await stack.services.temporal.schedule.getHandle(scheduleId).delete();
  }
  const report = mailTo(owner.email)[0]!;
  expect(report.subject).toContain(stack.org.name);
  expect(report.text).toContain('Hello Olive Owner');
  const minutes = callsBefore.reduce((sum, c) => sum + Math.ceil((c.billable_seconds ?? c.duration_seconds ?? 0) / 60), 0);
  const row = await stack.services.db('notifications').where({ kind: 'usage.weekly_report', recipient: owner.email }).first();
  expect(row.payload).toMatchObject({ calls: callsBefore.length, minutes, bookings: 0, costSoFar: null });
  expect(row.payload.outcomes.message_taken).toBe(callsBefore.filter((c) => c.outcome === 'message_taken').length);
  // Each scheduled run is its own report; the same run never sends twice.
  const keys: string[] = await stack.services.db('notifications').where({ kind: 'usage.weekly_report', recipient: owner.email }).pluck('idempotency_key');
  expect(new Set(keys).size).toBe(keys.length);
  expect(mailTo(owner.email).length).toBe(keys.length);
  const reportRun = keys[0]!.slice('usage-report:'.length, keys[0]!.indexOf(':email:'));
  await recordHistory(stack.services.temporal.workflow.getHandle(reportRun), 'usage-report');
});

const brokenCalendar = (cause: string) =>
  stack.services.notifier.notify({ kind: 'calendar.connection_broken', orgId: stack.org.id, payload: { provider: 'Google Calendar' }, to: 'org_addresses', cause });
const settled = (cause: string) =>
  until(async () => (await rowsOf(cause)).every((r) => (r.status !== 'pending' && r.status !== 'sending') || r.reason?.startsWith('delayed')), 15_000);

test('a refused address fails for good, with the reason; a loop cannot mail-bomb anyone (past the hourly limit notices wait)', async () => {
  const bounce = `bounce-${randomBytes(4).toString('hex')}@bright-smile.test`;
  const loop = `loop-${randomBytes(4).toString('hex')}@bright-smile.test`;
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_emails: [bounce, loop] });
  try {
    await brokenCalendar(`test-bounce:${bounce}`);
    await settled(`test-bounce:${bounce}`);
    const [failed] = (await rowsOf(`test-bounce:${bounce}`)).filter((r) => r.recipient === bounce);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.reason).toContain('550');
    await recordHistory(handleOf(failed.id), 'notification-refused');

    // The loop address had the first notice too; seven more make eight, past the limit of five an hour.
    for (let i = 0; i < 7; i++) {
      await brokenCalendar(`test-loop-${i}:${loop}`);
      await settled(`test-loop-${i}:${loop}`);
    }
    const rows = await stack.services.db('notifications').where({ recipient: loop }).orderBy('created_at').select('status', 'reason');
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'pending', 'pending', 'pending']);
    expect(rows.at(-1)!.reason).toBe('delayed: this address had its hourly limit of notices');
    expect(mailTo(loop)).toHaveLength(5);
  } finally {
    await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_emails: [FRONT_DESK] });
  }
});

test('the relay schedules the weekly report of an organization that has none in its zone', async () => {
  const scheduleId = `usage-report:${stack.org.id}`;
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ usage_report_time_zone: null });
  await until(async () => (await stack.services.db('organizations').where({ id: stack.org.id }).first('usage_report_time_zone')).usage_report_time_zone === 'America/New_York', 15_000);
  const schedule = await stack.services.temporal.schedule.getHandle(scheduleId).describe();
  expect(schedule.spec.calendars?.[0]).toMatchObject({ dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY' }], hour: [{ start: 8, end: 8 }] });
  expect(schedule.spec.timezone).toBe('America/New_York');
  await stack.services.temporal.schedule.getHandle(scheduleId).delete();
});

test('a notification written by a process that died before starting its delivery is sent by the relay', async () => {
  const address = `relay-${randomBytes(4).toString('hex')}@bright-smile.test`;
  // What the notifier writes, without the start that would have followed: written two minutes ago.
  await stack.services.db('notifications').insert({
    id: `ntf_${randomBytes(13).toString('hex').slice(0, 26)}`,
    org_id: stack.org.id,
    kind: 'calendar.connection_broken',
    channel: 'email',
    recipient: address,
    payload: JSON.stringify({ provider: 'Microsoft 365 calendar' }),
    idempotency_key: `test-relay:email:${address}`,
    created_at: new Date(Date.now() - 120_000),
  });
  await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_emails: [FRONT_DESK, address] });
  try {
    await until(() => mailTo(address).length > 0, 20_000);
    expect(mailTo(address)[0]!.subject).toBe(`${stack.org.name}: reconnect your Microsoft 365 calendar`);
    // The server has the mail a moment before the activity, back from SMTP, marks the row.
    await until(async () => (await stack.services.db('notifications').where({ recipient: address }).first('status')).status === 'sent', 5_000);
    await recordFirstCompleted(stack.services.temporal, `WorkflowType = 'notificationRelayWorkflow' AND TaskQueue = '${stack.services.config.temporal.taskQueue}'`, 'notification-relay');
  } finally {
    await stack.services.db('organizations').where({ id: stack.org.id }).update({ notification_emails: [FRONT_DESK] });
  }
});
