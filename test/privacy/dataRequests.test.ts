import { randomBytes } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import request from 'supertest';
import { APPOINTMENT_CUSTOMER_CONTEXT, APPOINTMENT_PHONE_CONTEXT, MESSAGE_CALLBACK_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone, phoneIn, phoneMatch, sealPhone } from '../../src/platform/crypto/phoneNumbers';
import type { Services } from '../../src/services';
import { callerErasureWorkflowId, dataExportWorkflowId } from '../../workflows/privacy/dataRequestDefinitions';
import type { FakeSmtp } from '../fakes/smtp';
import type { FakeTwilioRest } from '../fakes/twilioRest';
import { Browser, randomIp } from '../helpers/api';
import { apiKeyFor } from '../helpers/organizations';
import { until } from '../helpers/booking';
import { recordHistory } from '../helpers/histories';
import { callNumbers } from '../helpers/phoneNumbers';
import { downloadExport, exportLink, seedCallers } from '../helpers/privacyRequests';
import { startWorkerStack, type WorkerStack } from '../helpers/workerStack';

/**
 * Data-subject requests on the real stack: exports (organization, own data, one caller) built by their
 * workflow, stored encrypted and downloaded once through the emailed link; a caller's erasure.
 */
let stack: WorkerStack;
let services: Services;
let twilio: FakeTwilioRest;
let smtp: FakeSmtp;
let app: WorkerStack['app'];

beforeAll(async () => {
  stack = await startWorkerStack({ EXPORT_LINK_TTL_MS: '5000' });
  ({ services, twilio, smtp, app } = stack);
});
afterAll(() => stack.close());

const db = () => services.db;
const id = (prefix: string) => `${prefix}_${randomBytes(13).toString('hex').slice(0, 26)}`;
const ADA = '+14155550123';
const GRACE = '+14155550199';

/** An organization with an owner and a member, and two callers' history. */
async function clinic() {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: 'Export Dental' });
  const orgId = owner.info!.organization.id;
  const calls = await seedCallers(services, orgId, { ada: ADA, grace: GRACE });
  const [service] = await db()('services').insert({ id: id('svc'), org_id: orgId, name: 'Crown fitting', duration_minutes: 60 }).returning('id');
  const startsAt = new Date(Date.now() + 86_400_000);
  const appointmentId = id('appt');
  await db()('appointments').insert({ id: appointmentId, org_id: orgId, service_id: service.id, call_id: calls.ada, ...(await sealPhone(services.fields, orgId, APPOINTMENT_PHONE_CONTEXT, ADA)), customer_name_ciphertext: await services.fields.encrypt(orgId, APPOINTMENT_CUSTOMER_CONTEXT, 'Ada Lovelace'), starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 3_600_000), blocks_from: startsAt, blocks_until: new Date(startsAt.getTime() + 3_600_000), status: 'confirmed' });
  return { owner, orgId, calls, appointmentId };
}

const ready = (browser: Browser, requestId: string) => exportLink(smtp, browser, requestId);
const download = (link: string) => downloadExport(app, link);

test("an owner exports the organization: the archive has every kind of data, decrypted, with CSV for calls and appointments; the link works once and is audited", async () => {
  const { owner, orgId } = await clinic();
  const asked = await owner.post('/api/v1/exports', { scope: 'organization' });
  expect(asked.status).toBe(202);
  expect(asked.body).toMatchObject({ kind: 'export', scope: 'organization', status: 'pending' });
  const link = await ready(owner, asked.body.id);
  expect(link).toMatch(new RegExp(`^/api/v1/exports/${asked.body.id}/download\\?token=`));

  expect((await request(app).get(`/api/v1/exports/${asked.body.id}/download?token=${'x'.repeat(43)}`)).status).toBe(404);
  const got = await download(link);
  expect(got.status).toBe(200);
  expect(got.headers['content-type']).toBe('application/zip');
  const files = unzipSync(new Uint8Array(got.body));
  expect(Object.keys(files).sort()).toEqual(
    ['appointments.csv', 'appointments.json', 'audit_log.json', 'balance_ledger.json', 'billing_records.json', 'calls.csv', 'calls.json', 'members.json', 'messages.json', 'organization.json', 'phone_numbers.json', 'product_analytics.json', 'services.json', 'usage_records.json'].sort(),
  );
  const calls = JSON.parse(strFromU8(files['calls.json']!));
  expect(calls.map((c: { transcript: Array<{ text: string }> }) => c.transcript[0]!.text).sort()).toEqual(['Hello, this is ada, about my crown, "urgent", please', 'Hello, this is grace, about my crown, "urgent", please']);
  const csv = strFromU8(files['calls.csv']!).split('\r\n');
  expect(csv[0]).toBe('id,direction,from,to,status,outcome,startedAt,endedAt,durationSeconds,billableSeconds,summary');
  expect(csv.filter(Boolean)).toHaveLength(3);
  expect(strFromU8(files['appointments.csv']!)).toContain('Crown fitting,Ada Lovelace,+14155550123');
  expect(JSON.parse(strFromU8(files['members.json']!))).toEqual([expect.objectContaining({ email: owner.info!.user.email, role: 'owner' })]);

  // Single use: the second try is gone; the archive is no longer stored.
  expect((await download(link)).status).toBe(410);
  expect((await db()('data_requests').where({ id: asked.body.id }).first()).archive_ciphertext).toBeNull();
  const actions = (await db()('audit_log').where({ org_id: orgId, target_id: asked.body.id })).map((e) => e.action);
  expect(actions.sort()).toEqual(['privacy.export_downloaded', 'privacy.export_requested']);
  await until(async () => (await services.temporal.workflow.getHandle(dataExportWorkflowId(asked.body.id)).describe()).status.name === 'COMPLETED', 15_000);
  await recordHistory(services.temporal.workflow.getHandle(dataExportWorkflowId(asked.body.id)), 'data-export');
});

test('a member exports only their own data; a caller export holds only that caller; a link not used expires and the archive goes', async () => {
  const { owner, orgId } = await clinic();
  const invite = await owner.post('/api/v1/invitations', { email: `member.${randomBytes(3).toString('hex')}@export.test`, role: 'member' });
  const member = new Browser(app, randomIp());
  member.remember(await member.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Mo', password: 'correct horse battery staple' }));
  // What the member allowed to be counted is theirs too.
  expect((await member.put('/api/v1/me/analytics', { choice: 'granted' })).body.choice).toBe('granted');
  expect((await member.post('/api/v1/me/analytics/events', { events: [{ kind: 'page', name: '/calls' }, { kind: 'page', name: '/calls' }] })).status).toBe(204);
  expect((await member.post('/api/v1/exports', { scope: 'organization' })).status).toBe(403);
  expect((await member.post('/api/v1/exports', { scope: 'caller', number: ADA })).status).toBe(403);
  // A program cannot ask: the link is emailed to the person who does.
  const key = await apiKeyFor(services, orgId);
  expect((await request(app).post('/api/v1/exports').set('Authorization', `Bearer ${key}`).send({ scope: 'caller', number: ADA })).body.error.code).toBe('session_required');
  const own = await member.post('/api/v1/exports', { scope: 'user' });
  expect(own.status).toBe(202);
  const ownFiles = unzipSync(new Uint8Array((await download(await ready(member, own.body.id))).body));
  expect(JSON.parse(strFromU8(ownFiles['profile.json']!))).toMatchObject({ name: 'Mo' });
  expect(Object.keys(ownFiles)).not.toContain('calls.json');
  expect(JSON.parse(strFromU8(ownFiles['analytics_consent.json']!))).toMatchObject({ granted: true });
  expect(JSON.parse(strFromU8(ownFiles['product_analytics.json']!))).toMatchObject([{ kind: 'page', name: '/calls', count: 2 }]);
  // Not someone else's request.
  expect((await member.get(`/api/v1/data-requests/${own.body.id}`)).status).toBe(200);

  const caller = await owner.post('/api/v1/exports', { scope: 'caller', number: '(415) 555-0123' });
  const callerFiles = unzipSync(new Uint8Array((await download(await ready(owner, caller.body.id))).body));
  const callerCalls = JSON.parse(strFromU8(callerFiles['calls.json']!));
  expect(callerCalls.map((c: { from: string }) => c.from)).toEqual([ADA]);
  expect(JSON.parse(strFromU8(callerFiles['messages.json']!))).toEqual([expect.objectContaining({ body: 'Call ada back' })]);
  expect((await member.get(`/api/v1/data-requests/${caller.body.id}`)).status).toBe(404);

  const unused = await owner.post('/api/v1/exports', { scope: 'user' });
  const link = await ready(owner, unused.body.id);
  expect(await services.temporal.workflow.getHandle(dataExportWorkflowId(unused.body.id)).result()).toEqual({ status: 'expired' });
  expect(await db()('data_requests').where({ id: unused.body.id }).first()).toMatchObject({ status: 'expired', archive_ciphertext: null });
  expect((await download(link)).status).toBe(410);
});

test("an admin erases one caller: their calls, transcripts, messages and recordings go (at Twilio too), their bookings stay anonymous, others' data and held calls stay", async () => {
  const { owner, orgId, calls, appointmentId } = await clinic();
  const recordingSid = `RE${randomBytes(16).toString('hex')}`;
  await db()('recordings').insert({ id: id('rec'), org_id: orgId, call_id: calls.ada, recording_sid: recordingSid, status: 'completed' });
  const held = id('call');
  await db()('calls').insert({ id: held, org_id: orgId, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(services.fields, orgId, ADA)), status: 'completed', started_at: new Date(), legal_hold: true });

  const asked = await owner.post('/api/v1/caller-erasures', { number: '415-555-0123' });
  expect(asked.status).toBe(202);
  const handle = services.temporal.workflow.getHandle(callerErasureWorkflowId(asked.body.id));
  expect(await handle.result()).toEqual({ recordingsDeletedAtTwilio: 1, messages: 1, calls: 1, appointmentsAnonymised: 1, notifications: 0, heldCalls: 1, processingLimits: 0 });

  expect(await db()('calls').where({ id: calls.ada }).first()).toBeUndefined();
  expect(await db()('transcript_turns').where({ call_id: calls.ada })).toEqual([]);
  expect(await db()('calls').where({ id: calls.grace }).first()).toBeDefined();
  expect(await db()('calls').where({ id: held }).first()).toBeDefined();
  const left = await db()('messages').where({ org_id: orgId });
  expect(await Promise.all(left.map((m) => openPhone(services.fields, orgId, MESSAGE_CALLBACK_CONTEXT, m)))).toEqual([GRACE]);
  expect(await db()('appointments').where({ id: appointmentId }).first()).toMatchObject({ customer_e164: null, customer_e164_ciphertext: null, customer_e164_index: null, customer_name_ciphertext: null, call_id: null, status: 'confirmed' });
  expect(twilio.deletedRecordings).toContain(recordingSid);
  // The request keeps no number once done, only its hash; the erasure is in the audit log.
  const row = await db()('data_requests').where({ id: asked.body.id }).first();
  expect(row).toMatchObject({ status: 'completed', subject: null });
  expect(row.subject_hash).toMatch(/^[0-9a-f]{64}$/);
  expect((await owner.get(`/api/v1/data-requests/${asked.body.id}`)).body).toMatchObject({ kind: 'erasure', status: 'completed', result: expect.objectContaining({ calls: 1 }) });
  expect((await db()('audit_log').where({ org_id: orgId, target_id: asked.body.id })).map((e) => e.action).sort()).toEqual(['privacy.caller_erased', 'privacy.caller_erasure_requested']);
  await recordHistory(handle, 'caller-erasure');
});

test('corrections: a person fixes their own profile, an admin a caller-linked message; both audited with the fields, never the values', async () => {
  const { owner, orgId } = await clinic();
  const invite = await owner.post('/api/v1/invitations', { email: `fix.${randomBytes(3).toString('hex')}@export.test`, role: 'member' });
  const member = new Browser(app, randomIp());
  member.remember(await member.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Mo', password: 'correct horse battery staple' }));

  expect((await member.patch('/api/v1/me', {})).status).toBe(400);
  const fixed = await member.patch('/api/v1/me', { name: 'Maureen', phoneNumber: '(415) 555-0177' });
  expect(fixed.body).toMatchObject({ name: 'Maureen', phoneNumber: '+14155550177' });
  expect((await member.get('/api/v1/me')).body.name).toBe('Maureen');

  const [message] = await db()('messages').where({ org_id: orgId }).where(phoneIn(await phoneMatch(services.fields, orgId, ADA), 'callback_e164'));
  expect((await member.patch(`/api/v1/messages/${message.id}`, { callerName: 'Ada' })).status).toBe(403);
  const corrected = await owner.patch(`/api/v1/messages/${message.id}`, { callerName: 'Ada King', callbackNumber: '415 555 0124' });
  expect(corrected.body).toMatchObject({ callerName: 'Ada King', callbackNumber: '+14155550124', body: 'Call ada back' });
  const audit = await db()('audit_log').where({ org_id: orgId }).whereIn('action', ['user.profile_corrected', 'message.corrected']).orderBy('id');
  expect(audit.map((e) => [e.action, e.metadata.fields])).toEqual([
    ['user.profile_corrected', ['name', 'phoneNumber']],
    ['message.corrected', ['callerName', 'callbackNumber']],
  ]);
  expect(JSON.stringify(audit)).not.toContain('Ada King');
});

test('a member deletes their own account (password again); the only owner cannot until someone else owns the organization', async () => {
  const { owner, orgId } = await clinic();
  const invite = await owner.post('/api/v1/invitations', { email: `leave.${randomBytes(3).toString('hex')}@export.test`, role: 'member' });
  const member = new Browser(app, randomIp());
  member.remember(await member.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Lee', password: 'correct horse battery staple' }));
  const memberId = member.info!.user.id;

  expect((await owner.post('/api/v1/me/deletion', { password: 'correct horse battery staple' })).body.error.code).toBe('last_owner');
  expect((await member.post('/api/v1/me/deletion', { password: 'wrong' })).status).toBe(401);
  expect((await member.post('/api/v1/me/deletion', { password: 'correct horse battery staple' })).status).toBe(204);
  expect(await db()('users').where({ id: memberId }).first()).toBeUndefined();
  expect(await db()('memberships').where({ user_id: memberId })).toEqual([]);
  expect((await member.get('/api/v1/me')).status).toBe(401);
  expect(await db()('audit_log').where({ org_id: orgId, action: 'user.deleted_own_account', target_id: memberId })).toHaveLength(1);
});
