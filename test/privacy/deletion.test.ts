import { randomBytes } from 'node:crypto';
import type { Services } from '../../src/services';
import { tokenColumns } from '../../src/booking/calendars/resolver';
import { erasurePlan } from '../../activities/privacy/deletion';
import { REGISTRY } from '../../src/domains';

const { erased: ERASED_TABLES, kept: KEPT_TABLES } = erasurePlan(REGISTRY.tables);
import { ScheduleNotFoundError, WithStartWorkflowOperation } from '@temporalio/client';
import { callWorkflowId, turnUpdate, type CallStart } from '../../workflows/calls/definitions';
import { deletionProgressQuery, deletionWorkflowId } from '../../workflows/privacy/deletionDefinitions';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { startFakeGoogleCalendar, type FakeGoogleCalendar } from '../fakes/googleCalendar';
import type { FakeSmtp } from '../fakes/smtp';
import type { FakeTwilioRest } from '../fakes/twilioRest';
import { startStripeRecorder, type StripeRecorder } from '../fakes/stripeRecorder';
import { Browser, randomIp } from '../helpers/api';
import { until } from '../helpers/booking';
import { recordHistory } from '../helpers/histories';
import { makeOrganization } from '../helpers/organizations';
import { stack as servers } from '../helpers/stack';
import { startWorkerStack, type WorkerStack } from '../helpers/workerStack';
import { APPOINTMENT_PHONE_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { sealPhone } from '../../src/platform/crypto/phoneNumbers';
import { callNumbers } from '../helpers/phoneNumbers';

/**
 * Account deletion on the real stack: the owner asks (with their password), the grace period passes (or
 * is cancelled), and the organization is erased at Twilio (local REST server), at Stripe (stripe-mock
 * behind the recorder) and here; its data key is destroyed last and a certificate is written.
 */
let stack: WorkerStack;
let services: Services;
let twilio: FakeTwilioRest;
let smtp: FakeSmtp;
let app: WorkerStack['app'];
let stripe: StripeRecorder;
let google: FakeGoogleCalendar;

beforeAll(async () => {
  stripe = await startStripeRecorder(servers.stripeUrl());
  google = await startFakeGoogleCalendar({ clientId: 'google-client', clientSecret: 'google-secret', redirectUri: 'http://localhost/cb' });
  stack = await startWorkerStack({
    GOOGLE_OAUTH_CLIENT_ID: 'google-client',
    GOOGLE_OAUTH_CLIENT_SECRET: 'google-secret',
    GOOGLE_OAUTH_REVOKE_URL: google.revokeUrl,
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_API_URL: stripe.url,
    DELETION_GRACE_MS: '3000',
    // Erasure counts as late from the start: the operators' alert must fire (30 days less 1 s ahead).
    DELETION_ALERT_BEFORE_MS: String(30 * 86_400_000 - 1_000),
  });
  ({ services, twilio, smtp, app } = stack);
});
afterAll(async () => {
  await stack.close();
  await stripe.close();
  await google.close();
});
const mailTo = (address: string) => smtp.messages.filter((m) => m.envelope.to.includes(address)).map((m) => m.subject);

const db = () => services.db;
const id = (prefix: string) => `${prefix}_${randomBytes(13).toString('hex').slice(0, 26)}`;

test('every table holding organization data is either erased by deletion or kept for a stated reason', async () => {
  const { rows } = await db().raw(`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'org_id' order by 1`);
  // Every domain says what happens to each of its tables: erased, erased with its parent, or kept and why.
  const accounted = new Set<string>(REGISTRY.tables.map((t) => t.table));
  expect(rows.map((r: { table_name: string }) => r.table_name).filter((t: string) => !accounted.has(t))).toEqual([]);
});

test('an owner deletes the organization: after the grace period everything is erased, the key destroyed last, what is kept says why, and the owner gets a certificate', async () => {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: 'Erase Me Dental' });
  const orgId = owner.info!.organization.id;
  const ownerEmail = owner.info!.user.email;

  // What an organization accumulates: a call with its transcript, message and recording, a booking, a
  // colleague who is only here and one who also works elsewhere, billing history, a Stripe customer.
  const callId = id('call');
  await db()('calls').insert({ id: callId, org_id: orgId, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(services.fields, orgId)), status: 'completed', started_at: new Date() });
  await db()('transcript_turns').insert({ org_id: orgId, call_id: callId, seq: 1, role: 'caller', text_ciphertext: await services.fields.encrypt(orgId, 'transcript', 'My name is Ada.') });
  await db()('messages').insert({ id: id('msg'), org_id: orgId, call_id: callId, body_ciphertext: Buffer.from([1]) });
  const recordingSid = `RE${randomBytes(16).toString('hex')}`;
  await db()('recordings').insert({ id: id('rec'), org_id: orgId, call_id: callId, recording_sid: recordingSid, status: 'completed' });
  const [service] = await db()('services').insert({ id: id('svc'), org_id: orgId, name: 'Cleaning', duration_minutes: 30 }).returning('id');
  const startsAt = new Date(Date.now() + 86_400_000);
  await db()('appointments').insert({ id: id('appt'), org_id: orgId, service_id: service.id, call_id: callId, ...(await sealPhone(services.fields, orgId, APPOINTMENT_PHONE_CONTEXT, '+14155550111')), starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 1_800_000), blocks_from: startsAt, blocks_until: new Date(startsAt.getTime() + 1_800_000), status: 'confirmed' });
  const onlyHere = id('usr');
  const alsoElsewhere = id('usr');
  await db()('users').insert([
    { id: onlyHere, email: `only.${randomBytes(3).toString('hex')}@erase.test`, name: 'Only' },
    { id: alsoElsewhere, email: `also.${randomBytes(3).toString('hex')}@erase.test`, name: 'Also' },
  ]);
  const elsewhere = await makeOrganization(services);
  await db()('memberships').insert([
    { org_id: orgId, user_id: onlyHere, role: 'member' },
    { org_id: orgId, user_id: alsoElsewhere, role: 'admin' },
    { org_id: elsewhere.id, user_id: alsoElsewhere, role: 'member' },
  ]);
  await db()('usage_records').insert({ id: id('use'), org_id: orgId, idempotency_key: `usage:${callId}`, call_sid: callId, billable_seconds: 60, occurred_at: new Date() });
  await db()('balance_ledger').insert({ org_id: orgId, kind: 'top_up', amount_minor: 1000, currency: 'USD', idempotency_key: `topup:${callId}` });
  const grant = google.issueTokens();
  await db()('calendar_connections').insert({ id: id('cal'), org_id: orgId, provider: 'google', external_account: 'dentist@erase.test', calendar_id: 'primary', status: 'active', ...(await tokenColumns(services.fields, orgId, grant)) });
  const customer = `cus_erase${randomBytes(6).toString('hex')}`;
  await db()('organizations').where({ id: orgId }).update({ stripe_customer_id: customer, notification_emails: ['desk@erase.test'] });

  // A call still in progress (its workflow waits for Twilio's final status) must not outlive the erasure.
  const liveSid = `CA${randomBytes(16).toString('hex')}`;
  const live: CallStart = {
    callSid: liveSid, callId: id('call'), orgId, direction: 'inbound', from: '+14155550111', to: '+14155550100', greeting: 'Hello!',
    recording: { enabled: false, announcement: '' }, agentDeadlineMs: 8_000, statusCheckAfterMs: 600_000,
  };
  await services.temporal.workflow.executeUpdateWithStart(turnUpdate, {
    args: [{ kind: 'answer' }],
    updateId: 'answer',
    startWorkflowOperation: new WithStartWorkflowOperation('callWorkflow', { workflowId: callWorkflowId(liveSid), taskQueue: services.config.temporal.taskQueue, args: [live], workflowIdConflictPolicy: 'USE_EXISTING', typedSearchAttributes: [{ key: OrgId, value: orgId }] }),
  });
  expect(await services.temporal.schedule.getHandle(`usage-report:${orgId}`).describe()).toBeDefined();

  // Re-authentication first; then one deletion at a time.
  expect((await owner.post('/api/v1/organization/deletion', {})).body.error.code).toBe('reauthentication_failed');
  expect((await owner.post('/api/v1/organization/deletion', { password: 'not the password' })).status).toBe(401);
  const requested = await owner.post('/api/v1/organization/deletion', { password: 'correct horse battery staple' });
  expect(requested.status).toBe(202);
  expect(requested.body).toMatchObject({ state: 'grace', atRisk: false });
  expect(Date.parse(requested.body.deadlineAt) - Date.parse(requested.body.requestedAt)).toBe(30 * 86_400_000);
  expect((await owner.post('/api/v1/organization/deletion', { password: 'correct horse battery staple' })).status).toBe(409);
  const during = await owner.get('/api/v1/organization/deletion');
  expect([during.status, during.body.state]).toEqual([200, 'grace']);
  await until(async () => (await db()('organizations').where({ id: orgId }).first()).status === 'deletion_pending', 5_000);
  await until(async () => (await db()('notifications').where({ org_id: orgId, kind: 'privacy.deletion_requested' })).length === 1, 5_000);

  const handle = services.temporal.workflow.getHandle(deletionWorkflowId(orgId));
  expect(await handle.result()).toEqual({ state: 'completed' });
  expect(await handle.query(deletionProgressQuery)).toMatchObject({ state: 'completed', atRisk: true });
  expect((await handle.fetchHistory()).events!.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'alertDeletionAtRisk')).toBe(true);

  // Nothing runs on for it: the call was stopped, the weekly report's schedule is gone.
  expect((await services.temporal.workflow.getHandle(callWorkflowId(liveSid)).describe()).status.name).toBe('TERMINATED');
  await expect(services.temporal.schedule.getHandle(`usage-report:${orgId}`).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

  const left = async (table: string) => Number((await db()(table).where({ org_id: orgId }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  for (const table of [...ERASED_TABLES, 'transcript_turns', 'recordings']) expect([table, await left(table)]).toEqual([table, 0]);
  expect(await db()('users').where({ id: onlyHere }).first()).toBeUndefined();
  expect(await db()('users').where({ email: ownerEmail }).first()).toBeUndefined();
  expect(await db()('users').where({ id: alsoElsewhere }).first()).toBeDefined(); // still works elsewhere
  expect(await db()('memberships').where({ user_id: alsoElsewhere })).toEqual([expect.objectContaining({ org_id: elsewhere.id })]);
  expect(await db()('organizations').where({ id: orgId }).first()).toMatchObject({ status: 'deleted', name: '(deleted organization)', stripe_customer_id: null, notification_emails: [] });
  expect(await left('usage_records')).toBe(1);
  expect(await left('balance_ledger')).toBe(1);

  // At the providers: the recording at Twilio, the calendar grant at Google, the customer at Stripe.
  expect(twilio.deletedRecordings).toContain(recordingSid);
  expect(google.revokedTokens).toEqual([grant.refreshToken]);
  expect(stripe.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/customers/${customer}`)).toBe(true);

  // Crypto-shredded: the key material is gone, so nothing encrypted for the organization reads again.
  expect(await db()('org_data_keys').where({ org_id: orgId }).whereNotNull('wrapped_key')).toEqual([]);
  await expect(services.keyring.activeKey(orgId)).rejects.toThrow();

  const [certificate] = await db()('audit_log').where({ org_id: orgId, action: 'organization.deleted' });
  expect(certificate.metadata.certificate).toMatchObject({
    requestedBy: owner.info!.user.id,
    dataKey: 'destroyed',
    erased: expect.objectContaining({ workflowsStopped: 1, calls: 2, messages: 1, appointments: 1, memberships: 3, users: 2, calendar_connections: 1, recordingsDeletedAtTwilio: 1, calendarGrantsRevoked: 1, stripeCustomerDeleted: true }),
    kept: expect.objectContaining({ usage_records: expect.objectContaining({ rows: 1 }), balance_ledger: expect.objectContaining({ rows: 1 }) }),
  });
  // The owner hears it is done, at the address captured before their account went.
  await until(async () => (await db()('notifications').where({ kind: 'privacy.deletion_completed', recipient: ownerEmail })).length === 1, 5_000);
  await until(() => mailTo(ownerEmail).length === 2, 15_000);
  expect(mailTo(ownerEmail)).toEqual([expect.stringContaining('Erase Me Dental: your data will be erased on'), 'Callgenly: your data was erased']);
  await recordHistory(handle, 'deletion-completed-stopping-workflows');
});

test('an owner cancels the deletion in its grace period: nothing is erased and the owners are told', async () => {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: 'Second Thoughts Salon' });
  const orgId = owner.info!.organization.id;
  expect((await owner.delete('/api/v1/organization/deletion')).status).toBe(404);
  expect((await owner.post('/api/v1/organization/deletion', { password: 'correct horse battery staple' })).status).toBe(202);
  const cancelled = await owner.delete('/api/v1/organization/deletion');
  expect(cancelled.status).toBe(202);
  const handle = services.temporal.workflow.getHandle(deletionWorkflowId(orgId));
  expect(await handle.result()).toEqual({ state: 'cancelled' });
  expect(await db()('organizations').where({ id: orgId }).first()).toMatchObject({ status: 'active', name: 'Second Thoughts Salon' });
  expect(await db()('memberships').where({ org_id: orgId })).toHaveLength(1);
  await until(async () => (await db()('notifications').where({ org_id: orgId, kind: 'privacy.deletion_cancelled' })).length === 1, 5_000);
  await until(() => mailTo(owner.info!.user.email).length === 2, 15_000);
  expect((await owner.get('/api/v1/audit-log')).body.data.map((e: { action: string }) => e.action)).toEqual(
    expect.arrayContaining(['organization.deletion_requested', 'organization.deletion_cancelled']),
  );
  // Too late once it is over; a new request may start again.
  expect((await owner.delete('/api/v1/organization/deletion')).status).toBe(409);
  await recordHistory(handle, 'deletion-cancelled');
});
