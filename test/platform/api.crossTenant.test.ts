import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { newId } from '../../src/platform/db/ids';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';
import { apiKeyFor, randomPhone } from '../helpers/organizations';
import { APPOINTMENT_PHONE_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { sealPhone } from '../../src/platform/crypto/phoneNumbers';
import { callNumbers } from '../helpers/phoneNumbers';

/**
 * Cross-tenant probes over every route of the OpenAPI document that names a resource: a second
 * organization's owner (session) and its API key ask for the first organization's ids, with every method
 * the route has. Every answer is a refusal (404, or 403/401/400/409 before any lookup), and not one carries
 * the first organization's ids or names. The victims: a receptionist and a coaching school, each with one of
 * every resource; the attackers: a receptionist and a school of their own.
 */
let api: Awaited<ReturnType<typeof startApi>>;
const ids: Record<string, string> = {};
const secrets: string[] = [];
let attackers: Array<{ label: string; request: (method: 'get', url: string) => request.Test }>;
let operations: Array<{ method: string; path: string }>;

/** Routes a stranger may call with another organization's id, by design. */
const PUBLIC_BY_DESIGN: Record<string, string> = {
  'get /coaching/organizations/{organizationId}/consent-text': 'what a learner signing up is asked to agree to',
  'get /coaching/organizations/{organizationId}/kvkk-notice': 'the notice a learner reads before signing up',
  'get /calendar-connections/{provider}/authorize': "starts the caller's own connection; the provider is not another tenant's",
  'get /auth/sso/{provider}/start': 'single sign-on, before any organization',
};

beforeAll(async () => {
  api = await startApi();
  const db = api.services.db;
  // The receptionist victim, with one of everything.
  const clinic = new Browser(api.app, randomIp());
  const { organization: clinicOrg, user: clinicOwner } = await clinic.signUp({ orgName: `Victim Clinic ${randomBytes(3).toString('hex')}` });
  ids.organizationId = clinicOrg.id;
  ids.userId = clinicOwner.id;
  ids.serviceId = (await clinic.post('/api/v1/services', { name: 'Secret Whitening', durationMinutes: 30 })).body.id;
  ids.closureId = (await clinic.post('/api/v1/closures', { startsOn: '2027-01-04', endsOn: '2027-01-04', reason: 'Secret retreat' })).body.id;
  ids.invitationId = (await clinic.post('/api/v1/invitations', { email: uniqueEmail('victim-invitee'), role: 'member' })).body.id;
  ids.keyId = (await clinic.post('/api/v1/api-keys', { name: 'Victim key' })).body.id;
  ids.phoneNumberId = (await clinic.post('/api/v1/phone-numbers', { number: randomPhone() })).body.id;
  ids.requestId = (await clinic.post('/api/v1/exports', { scope: 'user' })).body.id;
  ids.limitId = (await clinic.post('/api/v1/processing-limits', { kind: 'restriction', subject: { type: 'caller', number: '+14155550997' }, reason: 'Secret dispute' })).body.id;
  ids.callId = newId('call');
  ids.callSid = `CA${randomBytes(16).toString('hex')}`;
  await db('calls').insert({ id: ids.callId, org_id: clinicOrg.id, call_sid: ids.callSid, direction: 'inbound', ...(await callNumbers(api.services.fields, clinicOrg.id, '+14155550999')), status: 'completed', started_at: new Date() });
  ids.messageId = newId('msg');
  await db('messages').insert({ id: ids.messageId, org_id: clinicOrg.id, call_id: ids.callId, body_ciphertext: Buffer.from('x') });
  ids.recordingId = newId('rec');
  await db('recordings').insert({ id: ids.recordingId, org_id: clinicOrg.id, call_id: ids.callId, recording_sid: `RE${randomBytes(16).toString('hex')}`, status: 'completed' });
  ids.appointmentId = newId('appt');
  const start = new Date(Date.now() + 3 * 86_400_000);
  await db('appointments').insert({ id: ids.appointmentId, org_id: clinicOrg.id, service_id: ids.serviceId, ...(await sealPhone(api.services.fields, clinicOrg.id, APPOINTMENT_PHONE_CONTEXT, '+14155550998')), starts_at: start, ends_at: new Date(start.getTime() + 1_800_000), blocks_from: start, blocks_until: new Date(start.getTime() + 1_800_000), status: 'confirmed', source: 'api' });
  ids.connectionId = newId('cal');
  await db('calendar_connections').insert({ id: ids.connectionId, org_id: clinicOrg.id, provider: 'google', external_account: '', calendar_id: 'primary', status: 'active' });
  ids.provider = 'google';

  // The coaching victim: a topic, a learner who agreed to be called, their plan.
  const school = new Browser(api.app, randomIp());
  const { organization: schoolOrg } = await school.signUp({ orgName: `Victim School ${randomBytes(3).toString('hex')}` });
  await api.services.db('organizations').where({ id: schoolOrg.id }).update({ product: 'coach' });
  ids.topicId = (await school.post('/api/v1/topics', { title: 'Secret topic', minLevel: 'A2', maxLevel: 'C1', prompts: ['Tell me a secret.'] })).body.id;
  const consent = await request(api.app).get(`/api/v1/coaching/organizations/${schoolOrg.id}/consent-text`);
  const learner = new Browser(api.app, randomIp());
  learner.remember(
    await learner.post('/api/v1/coaching/signup', { ageConfirmed: true, organizationId: schoolOrg.id, email: uniqueEmail('victim-learner'), password: PASSWORD, name: 'Victim Learner', phone: randomPhone(), timeZone: 'UTC', nativeLanguage: 'Turkish', goals: '', level: 'B1', consent: { agreed: true, version: consent.body.version } }),
  );
  ids.learnerId = learner.info!.user.id;
  ids.planId = (await learner.post('/api/v1/plans', { days: [1], time: '18:30', minutes: 15, topicIds: [ids.topicId] })).body.id;
  ids.practiceCallId = newId('pcl');
  await db('practice_calls').insert({ id: ids.practiceCallId, org_id: schoolOrg.id, workflow_id: `practice-call:${ids.planId}-${new Date().toISOString()}`, plan_id: ids.planId, user_id: ids.learnerId, engine: 'vapi', trigger: 'now', status: 'completed', scheduled_for: new Date() });
  for (const [name, value] of Object.entries(ids)) expect({ name, value }).toEqual({ name, value: expect.any(String) });
  secrets.push(...Object.values(ids).filter((v) => v.length > 6 && v !== 'google'), 'Secret Whitening', 'Secret retreat', 'Secret topic', 'Victim Learner', '+14155550999');

  // The attackers: a receptionist and a school, each by session (cookie and CSRF) and by API key.
  attackers = [];
  for (const product of ['receptionist', 'coach'] as const) {
    const browser = new Browser(api.app, randomIp());
    const { organization } = await browser.signUp();
    if (product === 'coach') await api.services.db('organizations').where({ id: organization.id }).update({ product: 'coach' });
    const key = await apiKeyFor(api.services, organization.id);
    attackers.push({ label: `${product} session`, request: (method, url) => browser.agent[method](url).set('X-CSRF-Token', browser.csrf!) });
    attackers.push({ label: `${product} API key`, request: (method, url) => request(api.app)[method](url).set('Authorization', `Bearer ${key}`) });
  }
  const document = (await request(api.app).get('/api/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(document.paths)
    .filter(([path]) => path.includes('{'))
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
}, 120_000);
afterAll(() => api.close());

test("every route that names a resource refuses another organization's ids, by session and by API key, and leaks nothing", async () => {
  expect(operations.length).toBeGreaterThan(40);
  const probed: string[] = [];
  for (const { method, path } of operations) {
    if (PUBLIC_BY_DESIGN[`${method} ${path}`]) continue;
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    // A learner's user id where the route is about learners; the owner's elsewhere.
    const value = (name: string) => (name === 'userId' && path.startsWith('/learners') ? ids.learnerId : ids[name]);
    expect({ path, unknownParameters: names.filter((n) => !value(n)) }).toEqual({ path, unknownParameters: [] });
    const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(value(n)!))}`;
    for (const attacker of attackers) {
      // A plausible body, so a route's lookup is reached rather than its validation.
      const res = await attacker.request(method as 'get', url).timeout(15_000).send(method === 'get' || method === 'delete' ? undefined : ({ text: 'hi', state: 'x', held: false, reason: 'x', role: 'member', start: new Date(Date.now() + 86_400_000).toISOString(), active: false } as never));
      const what = `${attacker.label}: ${method.toUpperCase()} ${path}`;
      expect({ what, refused: res.status >= 400 && res.status < 500 }).toEqual({ what, refused: true });
      const body = JSON.stringify(res.body ?? '') + (res.text ?? '');
      expect({ what, leaked: secrets.filter((s) => body.includes(s)) }).toEqual({ what, leaked: [] });
      probed.push(what);
    }
  }
  expect(probed.length).toBeGreaterThan(150);
  // The victims' resources are untouched by all of it.
  expect((await api.services.db('appointments').where({ id: ids.appointmentId }).first('status')).status).toBe('confirmed');
  expect((await api.services.db('api_keys').where({ id: ids.keyId }).first('revoked_at')).revoked_at).toBeNull();
  expect((await api.services.db('calls').where({ id: ids.callId }).first('legal_hold')).legal_hold).toBe(false);
}, 180_000);
