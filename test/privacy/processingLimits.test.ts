import { randomBytes } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { createCallAnalysisActivities } from '../../activities/calls/callAnalysis';
import { createNotificationActivities } from '../../activities/notifications/notifications';
import { LIMITED_CALLER_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import type { LlmProvider } from '../../src/platform/providers/llm';
import type { Services } from '../../src/services';
import type { FakeSmtp } from '../fakes/smtp';
import { Browser, PASSWORD, randomIp, uniqueEmail } from '../helpers/api';
import { until } from '../helpers/booking';
import { downloadExport, exportLink, seedCallers } from '../helpers/privacyRequests';
import { startWorkerStack, type WorkerStack } from '../helpers/workerStack';

/**
 * Restriction (GDPR art. 18) and objection (art. 21) on the real stack: recorded with who, when and why,
 * honoured by call analysis, the weekly report, analytics, the organization's export and reads, audited,
 * and lifted the same way.
 */
let stack: WorkerStack;
let services: Services;
let smtp: FakeSmtp;
let app: WorkerStack['app'];

beforeAll(async () => {
  stack = await startWorkerStack();
  ({ services, smtp, app } = stack);
});
afterAll(() => stack.close());

const db = () => services.db;
const ADA = '+14155550123';
const GRACE = '+14155550199';

/** A model that answers every analysis, and counts how often it was asked. */
function countingModel() {
  const asked: string[] = [];
  const llm: LlmProvider = {
    complete: () => Promise.reject(new Error('not used')),
    completeJson: (messages) => {
      asked.push(JSON.stringify(messages));
      return Promise.resolve(JSON.stringify({ intents: ['leave_message'], entities: { callerName: null, callbackNumber: null, service: null, requestedTime: null }, summary: 'A caller left a message.' }));
    },
  };
  return { llm, asked };
}

/** An organization with an owner, and one call (with a message) from each of two callers this week. */
async function clinic() {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: 'Limits Dental' });
  const orgId = owner.info!.organization.id;
  return { owner, orgId, calls: await seedCallers(services, orgId, { ada: ADA, grace: GRACE }) };
}

async function member(owner: Browser, role: 'member' | 'admin' = 'member') {
  const invite = await owner.post('/api/v1/invitations', { email: uniqueEmail(role), role });
  const browser = new Browser(app, randomIp());
  browser.remember(await browser.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Mo', password: PASSWORD }));
  return browser;
}

/** The weekly report's figures for the organization, as the activity counts and sends them. */
async function weeklyReport(orgId: string) {
  const cause = `report-test:${randomBytes(4).toString('hex')}`;
  const periodEnd = new Date(Date.now() + 60_000);
  await createNotificationActivities(services).sendUsageReport({ orgId, periodStart: new Date(periodEnd.getTime() - 7 * 86_400_000).toISOString(), periodEnd: periodEnd.toISOString(), cause });
  const sent = await db()('notifications').where({ org_id: orgId, kind: 'usage.weekly_report' }).whereLike('idempotency_key', `${cause}%`).first('payload');
  return sent.payload as { calls: number; outcomes: Record<string, number> };
}

async function organizationExport(owner: Browser): Promise<Record<string, unknown>> {
  const asked = await owner.post('/api/v1/exports', { scope: 'organization' });
  expect(asked.status).toBe(202);
  const got = await downloadExport(app, await exportLink(smtp, owner, asked.body.id));
  return Object.fromEntries(Object.entries(unzipSync(new Uint8Array(got.body))).filter(([name]) => name.endsWith('.json')).map(([name, bytes]) => [name, JSON.parse(strFromU8(bytes))]));
}

test("a restricted caller's data is kept but not used: not analysed, not in the weekly report or the organization's export, read only by an owner for a legal claim; lifting restores it all", async () => {
  const { owner, orgId, calls } = await clinic();
  const admin = await member(owner, 'admin');
  const { llm, asked } = countingModel();
  const analysis = createCallAnalysisActivities({ db: db(), fields: services.fields, llm, llmConfigured: true });

  const restricted = await admin.post('/api/v1/processing-limits', { kind: 'restriction', subject: { type: 'caller', number: '(415) 555-0123' }, reason: 'Caller asked by phone on 30 Nov, pending a dispute' });
  expect(restricted.status).toBe(201);
  expect(restricted.body).toMatchObject({ kind: 'restriction', subject: { type: 'caller', number: ADA }, stops: ['analysis', 'reports', 'analytics', 'exports', 'reads'], requestedBy: admin.info!.user.id, liftedAt: null });
  // The number itself is not stored: ciphertext and a keyed index only.
  const row = await db()('processing_limits').where({ id: restricted.body.id }).first();
  expect(JSON.stringify(row)).not.toContain('5550123');
  expect(await services.fields.decrypt(orgId, LIMITED_CALLER_CONTEXT, row.caller_ciphertext)).toBe(ADA);
  // Asking again while it is in force changes nothing.
  expect((await admin.post('/api/v1/processing-limits', { kind: 'restriction', subject: { type: 'caller', number: ADA }, reason: 'again' })).status).toBe(409);

  // Analysis: Ada's call is not sent to the model; Grace's is.
  expect(await analysis.analyzeCall({ orgId, callId: calls.ada! })).toBe('limited');
  expect(await analysis.analyzeCall({ orgId, callId: calls.grace! })).toBe('analyzed');
  expect(asked).toHaveLength(1);
  expect(asked[0]).toContain('this is grace');
  expect((await db()('calls').where({ id: calls.ada }).first()).summary_ciphertext).toBeNull();

  // The weekly report counts Grace's call only.
  expect((await weeklyReport(orgId)).calls).toBe(1);

  // The organization's export leaves Ada out, and says that someone was withheld.
  const files = await organizationExport(owner);
  expect((files['calls.json'] as Array<{ from: string }>).map((c) => c.from)).toEqual([GRACE]);
  expect((files['messages.json'] as Array<{ callbackNumber: string }>).map((m) => m.callbackNumber)).toEqual([GRACE]);
  expect(files['withheld.json']).toMatchObject({ callers: 1, people: 0 });
  expect(JSON.stringify(files)).not.toContain(ADA);

  // Reads: an admin is refused; an owner reads for a legal claim, and the read is audited as one.
  expect((await admin.get(`/api/v1/calls/${calls.ada}`)).body.error.code).toBe('processing_restricted');
  expect((await owner.get(`/api/v1/calls/${calls.ada}`)).status).toBe(403);
  const forClaim = await owner.get(`/api/v1/calls/${calls.ada}?purpose=legal_claim`);
  expect(forClaim.status).toBe(200);
  expect(forClaim.body.transcript[0].text).toBe('Hello, this is ada, about my crown, "urgent", please');
  expect((await admin.get(`/api/v1/calls/${calls.grace}`)).status).toBe(200);
  const actions = await db()('audit_log').where({ org_id: orgId }).orderBy('id').pluck('action');
  expect(actions).toEqual(expect.arrayContaining(['privacy.processing_limited', 'call.read_for_legal_claim']));

  // Lifted (with a reason, audited): analysis, reports, exports and reads are back.
  const lifted = await admin.post(`/api/v1/processing-limits/${restricted.body.id}/lift`, { reason: 'Dispute settled' });
  expect(lifted.body).toMatchObject({ liftedBy: admin.info!.user.id, liftReason: 'Dispute settled' });
  expect(lifted.body.liftedAt).not.toBeNull();
  expect((await admin.post(`/api/v1/processing-limits/${restricted.body.id}/lift`, { reason: 'twice' })).status).toBe(409);
  expect(await analysis.analyzeCall({ orgId, callId: calls.ada! })).toBe('analyzed');
  expect((await weeklyReport(orgId)).calls).toBe(2);
  expect((await admin.get(`/api/v1/calls/${calls.ada}`)).status).toBe(200);
  const history = (await admin.get('/api/v1/processing-limits')).body.items;
  expect(history).toEqual([expect.objectContaining({ id: restricted.body.id, reason: 'Caller asked by phone on 30 Nov, pending a dispute', liftReason: 'Dispute settled' })]);
  expect(await db()('audit_log').where({ org_id: orgId, target_id: restricted.body.id }).orderBy('id').pluck('action')).toEqual(['privacy.processing_limited', 'privacy.processing_limit_lifted']);
});

test("a caller's objection stops analysis and reports, not exports or reads; the caller's own export always has their data", async () => {
  const { owner, orgId, calls } = await clinic();
  const { llm, asked } = countingModel();
  const analysis = createCallAnalysisActivities({ db: db(), fields: services.fields, llm, llmConfigured: true });
  const objected = await owner.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'caller', number: GRACE }, reason: 'Objects to profiling' });
  expect(objected.body.stops).toEqual(['analysis', 'reports', 'analytics']);
  expect(await analysis.analyzeCall({ orgId, callId: calls.grace! })).toBe('limited');
  expect(asked).toHaveLength(0);
  const report = await weeklyReport(orgId);
  expect(report).toMatchObject({ calls: 1, outcomes: { message_taken: 1 } });
  expect((await owner.get(`/api/v1/calls/${calls.grace}`)).status).toBe(200);
  const files = await organizationExport(owner);
  expect((files['calls.json'] as Array<{ from: string }>).map((c) => c.from).sort()).toEqual([ADA, GRACE]);
  expect(files['withheld.json']).toBeUndefined();

  // Restricted too: the caller's own access request is still answered in full.
  await owner.post('/api/v1/processing-limits', { kind: 'restriction', subject: { type: 'caller', number: GRACE }, reason: 'Also restricts' });
  const own = await owner.post('/api/v1/exports', { scope: 'caller', number: GRACE });
  await until(async () => (await owner.get(`/api/v1/data-requests/${own.body.id}`)).body.status === 'ready', 15_000);
  expect((await owner.get(`/api/v1/data-requests/${own.body.id}`)).body.result).toMatchObject({ calls: 1, messages: 1 });

  // Erased, the caller's limits go with the rest: they hold the number too.
  const erased = await owner.post('/api/v1/caller-erasures', { number: GRACE });
  await until(async () => (await owner.get(`/api/v1/data-requests/${erased.body.id}`)).body.status === 'completed', 15_000);
  expect((await owner.get(`/api/v1/data-requests/${erased.body.id}`)).body.result).toMatchObject({ calls: 1, processingLimits: 2 });
  expect(await db()('processing_limits').where({ org_id: orgId }).count({ n: '*' }).first()).toEqual({ n: '0' });
});

test('a staff member objects for themself: analytics stop at once and what was counted goes; the organization export withholds a restricted member', async () => {
  const { owner } = await clinic();
  const mo = await member(owner);
  const other = await member(owner);
  expect((await mo.put('/api/v1/me/analytics', { choice: 'granted' })).body.choice).toBe('granted');
  expect((await mo.post('/api/v1/me/analytics/events', { events: [{ kind: 'page', name: '/calls' }] })).status).toBe(204);
  expect(await db()('product_analytics').where({ user_id: mo.info!.user.id }).count({ n: '*' }).first()).toEqual({ n: '1' });

  // A member limits their own processing, not someone else's, and does not see others' limits.
  expect((await mo.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'user', userId: other.info!.user.id }, reason: 'x' })).status).toBe(403);
  expect((await mo.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'caller', number: ADA }, reason: 'x' })).status).toBe(403);
  const objection = await mo.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'user', userId: mo.info!.user.id }, reason: 'No analytics about me, please' });
  expect(objection.status).toBe(201);
  expect(await db()('product_analytics').where({ user_id: mo.info!.user.id }).count({ n: '*' }).first()).toEqual({ n: '0' });
  const refused = await mo.post('/api/v1/me/analytics/events', { events: [{ kind: 'page', name: '/calls' }] });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('processing_limited');
  expect(await db()('product_analytics').where({ user_id: mo.info!.user.id }).count({ n: '*' }).first()).toEqual({ n: '0' });
  expect((await other.get('/api/v1/processing-limits')).body.items).toEqual([]);
  expect((await other.post(`/api/v1/processing-limits/${objection.body.id}/lift`, { reason: 'x' })).status).toBe(404);

  // The owner records a restriction for another member: the export keeps them in the list, without details.
  await owner.post('/api/v1/processing-limits', { kind: 'restriction', subject: { type: 'user', userId: other.info!.user.id }, reason: 'Asked by email' });
  const files = await organizationExport(owner);
  const members = files['members.json'] as Array<Record<string, unknown>>;
  expect(members).toContainEqual({ id: other.info!.user.id, role: 'member', restricted: true });
  expect(JSON.stringify(members)).not.toContain(other.info!.user.email);
  expect(JSON.stringify(members)).toContain(mo.info!.user.email);
  expect(files['withheld.json']).toMatchObject({ callers: 0, people: 1 });

  // Lifting her own objection, she may be counted again.
  expect((await mo.post(`/api/v1/processing-limits/${objection.body.id}/lift`, { reason: 'Changed my mind' })).status).toBe(200);
  expect((await mo.post('/api/v1/me/analytics/events', { events: [{ kind: 'page', name: '/calls' }] })).status).toBe(204);
});

test("bad requests change nothing: another organization's limit, an unknown member, a bad number, no reason", async () => {
  const a = await clinic();
  const b = await clinic();
  const limit = await a.owner.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'caller', number: ADA }, reason: 'objects' });
  expect((await b.owner.post(`/api/v1/processing-limits/${limit.body.id}/lift`, { reason: 'not yours' })).status).toBe(404);
  expect((await b.owner.get('/api/v1/processing-limits')).body.items).toEqual([]);
  expect((await b.owner.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'user', userId: a.owner.info!.user.id }, reason: 'x' })).status).toBe(404);
  expect((await a.owner.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'caller', number: '12' }, reason: 'x' })).status).toBe(400);
  expect((await a.owner.post('/api/v1/processing-limits', { kind: 'objection', subject: { type: 'caller', number: GRACE }, reason: '  ' })).status).toBe(400);
  expect((await a.owner.post('/api/v1/processing-limits', { kind: 'forget', subject: { type: 'caller', number: GRACE }, reason: 'x' })).status).toBe(400);
  expect(await db()('processing_limits').whereIn('org_id', [a.orgId, b.orgId]).count({ n: '*' }).first()).toEqual({ n: '1' });
});
