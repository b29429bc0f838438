import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import request from 'supertest';
import twilio from 'twilio';
import { coachPlanScheduleId } from '../../workflows/coaching/definitions';
import { planScheduleSpec } from '../../src/coaching/plans';
import { Browser, PASSWORD, randomIp, uniqueEmail } from '../helpers/api';
import { startCoachStack, type CoachStack } from '../helpers/coachStack';
import { ACCOUNT_SID, AUTH_TOKEN } from '../helpers/callStack';
import { randomPhone } from '../helpers/organizations';

/**
 * Call plans as Temporal Schedules: written with the plan in the learner's zone, edited, paused and resumed
 * in place, ended; correct across daylight-saving changes; paused at once when consent is withdrawn (in the
 * account or by texting STOP); and nobody else's to see.
 */
let stack: CoachStack;
beforeAll(async () => {
  stack = await startCoachStack();
});
afterAll(() => stack.close());

const describeSchedule = (planId: string) => stack.services.temporal.schedule.getHandle(coachPlanScheduleId(planId)).describe();

test("a plan is a schedule at the learner's local time; edited, paused, resumed and ended in place", async () => {
  const { browser } = await stack.learner({ timeZone: 'America/New_York' });
  const plan = await stack.plan(browser, { days: [1, 4], time: '09:15', minutes: 20 });
  expect(plan).toMatchObject({ status: 'active', timeZone: 'America/New_York', days: [1, 4], time: '09:15', minutes: 20, retryAttempts: 1 });

  let schedule = await describeSchedule(plan.id);
  expect(schedule.spec.timezone).toBe('America/New_York');
  expect(schedule.spec.calendars?.[0]).toMatchObject({ dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }, { start: 'THURSDAY', end: 'THURSDAY', step: 1 }], hour: [{ start: 9, end: 9, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] });
  expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'practiceCallWorkflow', workflowId: `practice-call:${plan.id}` });
  expect(schedule.state.paused).toBe(false);
  // Every next run is on a Monday or Thursday at 09:15 in New York.
  for (const at of schedule.info.nextActionTimes.slice(0, 4)) {
    const local = DateTime.fromJSDate(new Date(at), { zone: 'America/New_York' }).toFormat('ccc HH:mm');
    expect(['Mon 09:15', 'Thu 09:15']).toContain(local);
  }

  const edited = await browser.patch(`/api/v1/plans/${plan.id}`, { days: [2], time: '19:45' });
  expect(edited.status).toBe(200);
  schedule = await describeSchedule(plan.id);
  expect(schedule.spec.calendars?.[0]).toMatchObject({ dayOfWeek: [{ start: 'TUESDAY', end: 'TUESDAY', step: 1 }], hour: [{ start: 19, end: 19, step: 1 }] });

  expect((await browser.post(`/api/v1/plans/${plan.id}/pause`)).body.status).toBe('paused');
  expect((await describeSchedule(plan.id)).state.paused).toBe(true);
  expect((await browser.post(`/api/v1/plans/${plan.id}/call-now`)).status).toBe(409);
  expect((await browser.post(`/api/v1/plans/${plan.id}/resume`)).body.status).toBe('active');
  expect((await describeSchedule(plan.id)).state.paused).toBe(false);

  // The learner moves to Tokyo: the plan keeps 19:45 there.
  expect((await browser.patch('/api/v1/me/learner', { timeZone: 'Asia/Tokyo' })).status).toBe(200);
  expect((await describeSchedule(plan.id)).spec.timezone).toBe('Asia/Tokyo');
  expect((await browser.get(`/api/v1/plans/${plan.id}`)).body).toMatchObject({ timeZone: 'Asia/Tokyo', time: '19:45' });

  expect((await browser.delete(`/api/v1/plans/${plan.id}`)).status).toBe(204);
  await expect(describeSchedule(plan.id)).rejects.toThrow();
  expect((await browser.get('/api/v1/plans')).body.data).toEqual([]);
});

test('the plan keeps its local time across daylight-saving changes (Temporal computes runs in the zone)', async () => {
  // The plan's spec, started just before New York's spring-forward (2027-03-14) and Istanbul (no DST).
  const scheduleId = `dst-check-${randomBytes(4).toString('hex')}`;
  const handle = await stack.services.temporal.schedule.create({
    scheduleId,
    spec: { ...planScheduleSpec({ days: [1, 2, 3, 4, 5, 6, 7], local_time: '09:00' }, 'America/New_York'), startAt: new Date('2027-03-11T00:00:00Z') },
    action: { type: 'startWorkflow', workflowType: 'practiceCallWorkflow', workflowId: scheduleId, taskQueue: 'nowhere', args: [] },
    state: { paused: true },
  });
  try {
    const times = (await handle.describe()).info.nextActionTimes.slice(0, 6).map((d) => new Date(d).toISOString());
    // 09:00 EST is 14:00Z until the change, 09:00 EDT is 13:00Z after it.
    expect(times).toEqual(['2027-03-11T14:00:00.000Z', '2027-03-12T14:00:00.000Z', '2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z', '2027-03-16T13:00:00.000Z']);
  } finally {
    await handle.delete();
  }
});

test('withdrawing consent pauses every plan at once, in the database and the schedule; resuming needs consent again', async () => {
  const { browser } = await stack.learner();
  const a = await stack.plan(browser);
  const b = await stack.plan(browser, { days: [6], time: '10:00' });
  expect((await browser.delete('/api/v1/me/learner/consent')).status).toBe(204);
  for (const plan of [a, b]) {
    expect((await browser.get(`/api/v1/plans/${plan.id}`)).body).toMatchObject({ status: 'paused', pausedReason: 'consent_withdrawn' });
    expect((await describeSchedule(plan.id)).state.paused).toBe(true);
  }
  const resumed = await browser.post(`/api/v1/plans/${a.id}/resume`);
  expect(resumed.status).toBe(409);
  expect(resumed.body.error.code).toBe('no_consent');
  const version = (await browser.get(`/api/v1/coaching/organizations/${stack.orgId}/consent-text`)).body.version;
  expect((await browser.post('/api/v1/me/learner/consent', { version })).status).toBe(200);
  expect((await browser.post(`/api/v1/plans/${a.id}/resume`)).body.status).toBe('active');
  const audit = await stack.services.db('audit_log').where({ org_id: stack.orgId, action: 'coaching.consent_withdrawn' }).orderBy('id', 'desc').first();
  expect(audit.metadata).toMatchObject({ via: 'api' });
});

test('texting STOP to the organization pauses the plans and puts the number on the do-not-call list', async () => {
  const { browser, phone } = await stack.learner();
  const plan = await stack.plan(browser);
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT_SID, From: phone, To: stack.orgNumber, Body: 'STOP' };
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${stack.publicBaseUrl}/twilio/sms/incoming`, params);
  const res = await fetch(`${stack.publicBaseUrl}/twilio/sms/incoming`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
  expect(res.status).toBe(200);
  expect((await browser.get(`/api/v1/plans/${plan.id}`)).body.status).toBe('paused');
  expect((await describeSchedule(plan.id)).state.paused).toBe(true);
  expect(await stack.services.db('coach_opt_outs').where({ org_id: stack.orgId, phone_e164: phone }).first()).toMatchObject({ via: 'sms' });
});

test("plans are the learner's own: another learner, and another organization, find nothing; bad input changes nothing", async () => {
  const { browser, userId } = await stack.learner();
  const plan = await stack.plan(browser);
  const other = await stack.learner();
  for (const path of [`/api/v1/plans/${plan.id}`]) expect((await other.browser.get(path)).status).toBe(404);
  expect((await other.browser.post(`/api/v1/plans/${plan.id}/pause`)).status).toBe(404);
  expect((await other.browser.get('/api/v1/plans')).body.data).toEqual([]);
  // Staff see it, and can make one for a learner.
  expect((await stack.owner.get(`/api/v1/plans/${plan.id}`)).status).toBe(200);
  expect((await stack.owner.post('/api/v1/plans', { userId, days: [2], time: '08:00', minutes: 10, topicIds: stack.topics })).status).toBe(201);

  const stranger = new Browser(stack.app, randomIp());
  await stranger.post('/api/v1/auth/signup', { ageConfirmed: true, email: uniqueEmail('other-owner'), password: PASSWORD, name: 'Other', organization: { name: 'Other School', timeZone: 'UTC', product: 'coach' } }).then((r) => stranger.remember(r));
  expect((await stranger.get(`/api/v1/plans/${plan.id}`)).status).toBe(404);
  expect((await stranger.post(`/api/v1/plans/${plan.id}/call-now`)).status).toBe(404);

  const before = await stack.services.db('coach_plans').where({ org_id: stack.orgId }).count({ n: '*' }).first();
  for (const bad of [{ days: [8], time: '09:00', minutes: 15, topicIds: stack.topics }, { days: [1, 1], time: '09:00', minutes: 15, topicIds: stack.topics }, { days: [1], time: '25:00', minutes: 15, topicIds: stack.topics }, { days: [1], time: '09:00', minutes: 7, topicIds: stack.topics }, { days: [1], time: '09:00', minutes: 15, topicIds: ['top_00000000000000000000000000'] }]) {
    const res = await browser.post('/api/v1/plans', bad);
    expect([JSON.stringify(bad), res.status]).toEqual([JSON.stringify(bad), 400]);
  }
  expect(await stack.services.db('coach_plans').where({ org_id: stack.orgId }).count({ n: '*' }).first()).toEqual(before);
});

test("the organization's coaching settings, and staff putting a learner on the do-not-call list", async () => {
  const settings = await stack.owner.get('/api/v1/coaching/settings');
  expect(settings.body).toMatchObject({ engine: 'vapi', pricePerMinuteMinor: 20, currency: 'USD' });
  expect((await stack.owner.patch('/api/v1/coaching/settings', { pricePerMinuteMinor: 30 })).body.pricePerMinuteMinor).toBe(30);
  expect((await stack.owner.patch('/api/v1/coaching/settings', { pricePerMinuteMinor: 20, engine: 'carrier-pigeon' })).status).toBe(400);
  expect((await stack.owner.get('/api/v1/coaching/settings')).body.pricePerMinuteMinor).toBe(30);
  await stack.owner.patch('/api/v1/coaching/settings', { pricePerMinuteMinor: 20 });

  const { browser, userId, phone } = await stack.learner();
  expect((await browser.get('/api/v1/coaching/settings')).status).toBe(403);
  const plan = await stack.plan(browser);
  expect((await browser.post(`/api/v1/learners/${userId}/opt-out`)).status).toBe(403);
  expect((await stack.owner.post(`/api/v1/learners/${userId}/opt-out`)).status).toBe(204);
  expect((await browser.get(`/api/v1/plans/${plan.id}`)).body.status).toBe('paused');
  expect(await stack.services.db('coach_opt_outs').where({ org_id: stack.orgId, phone_e164: phone }).first()).toMatchObject({ via: 'staff' });
  expect((await stack.owner.post('/api/v1/learners/usr_nobody/opt-out')).status).toBe(404);
});

test('the KVKK notice, in Turkish and English, and an information request list the processors at home and abroad from the registry', async () => {
  const tr = await request(stack.app).get(`/api/v1/coaching/organizations/${stack.orgId}/kvkk-notice`);
  expect(tr.status).toBe(200);
  expect(tr.body.language).toBe('tr');
  expect(tr.body.heading).toContain('KVKK Aydınlatma Metni');
  expect(tr.body.rights).toContain('11. madde');
  const names = tr.body.recipients.map((r: { name: string }) => r.name);
  for (const processor of ['Vapi', 'Twilio', 'Stripe', 'Anthropic', 'Database host (DATABASE_URL)']) expect(names).toContain(processor);
  expect(names).not.toContain('Google Calendar');
  expect(tr.body.transfersAbroad).toEqual(expect.arrayContaining(['Vapi (United States)', 'Anthropic (United States)']));
  const en = await request(stack.app).get(`/api/v1/coaching/organizations/${stack.orgId}/kvkk-notice?lang=en`);
  expect(en.body.intro).toContain('The data controller is');
  expect((await request(stack.app).get(`/api/v1/coaching/organizations/${stack.orgId}/kvkk-notice?lang=de`)).status).toBe(400);

  const { browser, userId } = await stack.learner();
  await stack.plan(browser);
  const info = await browser.get('/api/v1/me/learner/kvkk-information?lang=tr');
  expect(info.status).toBe(200);
  expect(info.body.held).toMatchObject({ profile: 1, consentRecords: 1, plans: 1, practiceCalls: 0 });
  expect(info.body.erasedAtProcessors).toEqual([]);
  expect(info.body.recipients.map((r: { name: string }) => r.name)).toEqual(names);
  expect(await stack.services.db('audit_log').where({ org_id: stack.orgId, action: 'coaching.information_request', target_id: userId }).first()).toBeTruthy();
  expect((await stack.owner.get('/api/v1/me/learner/kvkk-information')).status).toBe(404);

  // A correction is recorded at each processor that received the field, with what it means there.
  expect(info.body.correctedAtProcessors).toEqual([]);
  expect((await browser.patch('/api/v1/me/learner', { phone: randomPhone(), nativeLanguage: 'Kurdish', goals: 'Travel' })).status).toBe(200);
  const corrected = (await browser.get('/api/v1/me/learner/kvkk-information')).body.correctedAtProcessors;
  expect(corrected.map((c: { processor: string; field: string }) => `${c.processor}:${c.field}`)).toEqual(['Vapi:phone', 'Twilio:phone', 'Anthropic:nativeLanguage']);
  for (const c of corrected) expect(names).toContain(c.processor);
  expect(corrected[0].outcome).toContain('within 30 days');
});
