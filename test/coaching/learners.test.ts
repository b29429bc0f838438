import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import request from 'supertest';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';

/**
 * Learners of a coaching organization: sign-up with the phone the coach calls and consent to be called,
 * kept as evidence; staff see learners, a learner sees only themself; consent withdrawn and given again.
 */
let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi({ AUTH_RATE_LIMIT_PER_IP: '1000', AUTH_RATE_LIMIT_PER_ACCOUNT: '1000' });
});
afterAll(() => api.close());

async function coachingOrganization(name = 'Speak Up English') {
  const owner = new Browser(api.app, randomIp());
  const res = await owner.post('/api/v1/auth/signup', { ageConfirmed: true, email: uniqueEmail('coach-owner'), password: PASSWORD, name: 'Selin', organization: { name, timeZone: 'Europe/Istanbul', product: 'coach' } });
  expect(res.status).toBe(201);
  owner.remember(res);
  return { owner, orgId: res.body.organization.id as string };
}

async function signUpLearner(orgId: string, overrides: Record<string, unknown> = {}) {
  const text = await request(api.app).get(`/api/v1/coaching/organizations/${orgId}/consent-text`);
  const browser = new Browser(api.app, randomIp());
  const email = uniqueEmail('learner');
  const res = await browser.post('/api/v1/coaching/signup', {
    ageConfirmed: true,
    organizationId: orgId,
    email,
    password: PASSWORD,
    name: 'Deniz Kaya',
    phone: '+90 532 123 45 67',
    timeZone: 'Europe/Istanbul',
    nativeLanguage: 'Turkish',
    goals: 'Job interviews in English',
    level: 'B1',
    consent: { agreed: true, version: text.body.version },
    ...overrides,
  });
  if (res.status === 201) browser.remember(res);
  return { browser, res, email, text: text.body as { text: string; version: string } };
}

test('a learner signs up with their phone and consent; the consent is kept as evidence; staff see them, they see only themself', async () => {
  const { owner, orgId } = await coachingOrganization();
  const { browser: learner, res, text } = await signUpLearner(orgId);
  expect(res.status).toBe(201);
  expect(res.body.organization).toMatchObject({ id: orgId, role: 'learner' });
  expect(text.text).toContain('Speak Up English may call me');
  expect(text.text).toContain('automated AI voice');

  const me = await learner.get('/api/v1/me/learner');
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ name: 'Deniz Kaya', phone: '+905321234567', timeZone: 'Europe/Istanbul', nativeLanguage: 'Turkish', level: 'B1', consent: { status: 'granted', phone: '+905321234567' } });

  // The evidence: who agreed, to which number, the exact words, their version, how, from where.
  const [consent] = await api.services.db('coach_consents').where({ org_id: orgId, user_id: me.body.userId });
  expect(consent).toMatchObject({ phone_e164: '+905321234567', text: text.text, text_version: text.version, method: 'web', withdrawn_at: null });
  expect(consent.ip).toBeTruthy();

  // Staff see the organization's learners; the learner sees no staff endpoint, and nobody else's profile.
  const listed = await owner.get('/api/v1/learners');
  expect(listed.body.data).toEqual([expect.objectContaining({ userId: me.body.userId, consent: expect.objectContaining({ status: 'granted' }) })]);
  expect((await owner.get(`/api/v1/learners/${me.body.userId}`)).status).toBe(200);
  for (const path of ['/api/v1/learners', `/api/v1/learners/${me.body.userId}`, '/api/v1/calls', '/api/v1/organization', '/api/v1/members']) {
    expect([path, (await learner.get(path)).status]).toEqual([path, 403]);
  }
  // Learners are not staff: the members list does not show them.
  expect((await owner.get('/api/v1/members')).body.data.map((m: { role: string }) => m.role)).toEqual(['owner']);
  // Staff have no learner profile of their own.
  expect((await owner.get('/api/v1/me/learner')).status).toBe(404);

  // The learner's own export holds their profile and the consent evidence.
  const { REGISTRY } = await import('../../src/domains');
  const { buildArchive } = await import('../../src/privacy/archive');
  const { unzipSync, strFromU8 } = await import('fflate');
  const own = unzipSync((await buildArchive(REGISTRY.exports, api.services.db, api.services.fields, orgId, { scope: 'user', userId: me.body.userId })).zip);
  expect(JSON.parse(strFromU8(own['learner_profile.json']!))).toMatchObject({ phone_e164: '+905321234567', native_language: 'Turkish' });
  expect(JSON.parse(strFromU8(own['call_consents.json']!))).toEqual([expect.objectContaining({ text: text.text, method: 'web' })]);

  // Another organization's staff: the learner does not exist for them.
  const other = await coachingOrganization('Other School');
  expect((await other.owner.get(`/api/v1/learners/${me.body.userId}`)).status).toBe(404);
  expect((await other.owner.get('/api/v1/learners')).body.data).toEqual([]);
});

test('withdrawing consent is immediate and audited; a new number needs consent again', async () => {
  const { owner, orgId } = await coachingOrganization();
  const { browser: learner, text } = await signUpLearner(orgId);
  expect((await learner.delete('/api/v1/me/learner/consent')).status).toBe(204);
  expect((await learner.get('/api/v1/me/learner')).body.consent).toEqual({ status: 'none', phone: null, grantedAt: null });
  const log = await owner.get('/api/v1/audit-log?action=coaching.consent_withdrawn');
  expect(log.body.data).toHaveLength(1);

  // Given again; then the number changes: the old consent does not cover the new number.
  expect((await learner.post('/api/v1/me/learner/consent', { version: text.version })).body.consent.status).toBe('granted');
  const moved = await learner.patch('/api/v1/me/learner', { phone: '+44 7911 123456' });
  expect(moved.status).toBe(200);
  expect(moved.body).toMatchObject({ phone: '+447911123456', goals: 'Job interviews in English', level: 'B1', consent: { status: 'none' } });
  const regranted = await learner.post('/api/v1/me/learner/consent', { version: text.version });
  expect(regranted.body.consent).toMatchObject({ status: 'granted', phone: '+447911123456' });
  const rows = await api.services.db('coach_consents').where({ org_id: orgId }).orderBy('granted_at');
  expect(rows.map((r: { withdrawn_via: string | null }) => r.withdrawn_via)).toEqual(['api', 'number_changed', null]);
  // A stale text version is refused: consent is to the words shown.
  expect((await learner.post('/api/v1/me/learner/consent', { version: 'not-the-version' })).status).toBe(409);
});

test('sign-up refuses what it must: no consent, a stale consent text, a bad number, a receptionist organization, a taken email', async () => {
  const { orgId } = await coachingOrganization();
  const noConsent = await signUpLearner(orgId, { consent: { agreed: false, version: 'x' } });
  expect([noConsent.res.status, noConsent.res.body.error.field]).toEqual([400, 'consent.agreed']);
  const stale = await signUpLearner(orgId, { consent: { agreed: true, version: 'old-version' } });
  expect([stale.res.status, stale.res.body.error.code]).toEqual([409, 'consent_text_changed']);
  for (const phone of ['0532 123 45 67', '+1 555 0100', 'call me']) {
    const bad = await signUpLearner(orgId, { phone });
    expect([phone, bad.res.status, bad.res.body.error.field]).toEqual([phone, 400, 'phone']);
  }
  expect((await signUpLearner(orgId, { timeZone: 'Mars/Olympus' })).res.status).toBe(400);
  expect((await signUpLearner(orgId, { level: 'D9' })).res.status).toBe(400);

  const clinic = new Browser(api.app, randomIp());
  const { organization } = await clinic.signUp();
  expect((await request(api.app).get(`/api/v1/coaching/organizations/${organization.id}/consent-text`)).status).toBe(404);
  expect((await signUpLearner(organization.id, { consent: { agreed: true, version: 'x' } })).res.status).toBe(404);

  const first = await signUpLearner(orgId);
  const again = await signUpLearner(orgId, { email: first.email });
  expect([again.res.status, again.res.body.error.code]).toEqual([409, 'email_taken']);
  // Nothing was half-written by the refusals: one learner, one consent.
  expect(await api.services.db('learners').where({ org_id: orgId })).toHaveLength(1);
  expect(await api.services.db('coach_consents').where({ org_id: orgId })).toHaveLength(1);
});

test("texting STOP to the organization's number withdraws the learner's consent to be called, audited", async () => {
  const { owner, orgId } = await coachingOrganization();
  const number = `+1415555${String(Math.floor(1000 + Math.random() * 8999))}`;
  expect((await owner.post('/api/v1/phone-numbers', { number })).status).toBe(201);
  const { browser: learner } = await signUpLearner(orgId);
  const { twilio: twilioConfig, http } = api.services.config;
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: twilioConfig.accountSid, From: '+905321234567', To: number, Body: 'STOP' };
  const signature = twilio.getExpectedTwilioSignature(twilioConfig.authToken, `${http.publicBaseUrl}/twilio/sms/incoming`, params);
  const res = await request(api.app).post('/twilio/sms/incoming').type('form').set('X-Twilio-Signature', signature).send(params);
  expect(res.status).toBe(200);
  expect((await learner.get('/api/v1/me/learner')).body.consent.status).toBe('none');
  const [row] = await api.services.db('coach_consents').where({ org_id: orgId });
  expect(row.withdrawn_via).toBe('sms');
  expect((await owner.get('/api/v1/audit-log?action=coaching.consent_withdrawn')).body.data).toEqual([expect.objectContaining({ actorType: 'webhook', metadata: { via: 'sms', plansPaused: [] } })]);
});
