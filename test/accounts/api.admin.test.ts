import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { newId } from '../../src/platform/db/ids';
import { REGISTRY } from '../../src/domains';

const V1_ROUTES = REGISTRY.routes;
import { createBillingCycleActivities } from '../../activities/billing/billingCycle';
import { Browser, PASSWORD, randomIp, startApi, uniqueEmail } from '../helpers/api';
import { randomPhone } from '../helpers/organizations';
import { callNumbers } from '../helpers/phoneNumbers';

let api: Awaited<ReturnType<typeof startApi>>;
beforeAll(async () => {
  api = await startApi({ AUTH_RATE_LIMIT_PER_IP: '1000', AUTH_RATE_LIMIT_PER_ACCOUNT: '1000' });
});
afterAll(() => api.close());

/** An organization with an owner, an admin and a member, each signed in in their own browser. */
async function team() {
  const owner = new Browser(api.app, randomIp());
  await owner.signUp();
  const join = async (role: 'admin' | 'member') => {
    const email = uniqueEmail(role);
    const invite = await owner.post('/api/v1/invitations', { email, role });
    expect(invite.status).toBe(201);
    const browser = new Browser(api.app, randomIp());
    const accepted = await browser.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: role, password: PASSWORD });
    expect(accepted.status).toBe(200);
    browser.remember(accepted);
    return browser;
  };
  return { owner, admin: await join('admin'), member: await join('member') };
}

const sampleId: Record<string, string> = {
  userId: 'usr_01jabcdefghjkmnpqrstvwxyz0',
  invitationId: 'inv_01jabcdefghjkmnpqrstvwxyz0',
  keyId: 'key_01jabcdefghjkmnpqrstvwxyz0',
  phoneNumberId: 'pn_01jabcdefghjkmnpqrstvwxyz0',
  callId: 'call_01jabcdefghjkmnpqrstvwxyz0',
  serviceId: 'svc_01jabcdefghjkmnpqrstvwxyz0',
  closureId: 'clo_01jabcdefghjkmnpqrstvwxyz0',
  appointmentId: 'appt_01jabcdefghjkmnpqrstvwxyz0',
  requestId: 'dsr_01jabcdefghjkmnpqrstvwxyz0',
  provider: 'google',
};
const concrete = (path: string) => `/api/v1${path.replace(/\{(\w+)\}/g, (_, name: string) => sampleId[name] ?? 'x')}`;

test('role checks on every endpoint: members cannot use admin endpoints, API keys cannot use person-only ones', async () => {
  const { admin, member } = await team();
  const key = (await admin.post('/api/v1/api-keys', { name: 'matrix' })).body.key as string;
  const send = (browser: Browser, method: string, path: string) =>
    method === 'get' ? browser.get(path) : method === 'delete' ? browser.delete(path) : (browser as unknown as Record<string, (p: string, b: unknown) => request.Test>)[method]!.call(browser, path, {});
  let checked = 0;
  for (const route of V1_ROUTES) {
    const path = concrete(route.path);
    if (route.access === 'admin' || route.access === 'owner') {
      const res = await send(member, route.method, path);
      expect([route.operationId, res.status, res.body.error?.code]).toEqual([route.operationId, 403, 'forbidden']);
      checked++;
    }
    if (route.access === 'owner') {
      expect((await send(admin, route.method, path)).status).toBe(403);
    }
    if (route.access === 'person') {
      const res = await (request(api.app) as unknown as Record<string, (p: string) => request.Test>)[route.method]!(path).set('Authorization', `Bearer ${key}`);
      expect([route.operationId, res.status, res.body.error?.code]).toEqual([route.operationId, 403, 'session_required']);
      checked++;
    }
    if (route.access !== 'public') {
      const anonymous = await (request(api.app) as unknown as Record<string, (p: string) => request.Test>)[route.method]!(path);
      expect([route.operationId, anonymous.status]).toEqual([route.operationId, 401]);
    }
  }
  expect(checked).toBeGreaterThanOrEqual(10);
});

test('owners and admins invite by email; the token is signed, single-use, expiring and revocable', async () => {
  const { owner, admin, member } = await team();
  // Admins cannot invite owners; members cannot invite at all.
  expect((await admin.post('/api/v1/invitations', { email: uniqueEmail('x'), role: 'owner' })).status).toBe(403);
  expect((await member.post('/api/v1/invitations', { email: uniqueEmail('x'), role: 'member' })).status).toBe(403);
  // Inviting someone already in the organization is a conflict.
  const memberEmail = member.info!.user.email;
  expect((await admin.post('/api/v1/invitations', { email: memberEmail, role: 'member' })).status).toBe(409);

  const invite = await owner.post('/api/v1/invitations', { email: uniqueEmail('newbie'), role: 'member' });
  const pending = await admin.get('/api/v1/invitations');
  expect(pending.body.data.map((i: { id: string }) => i.id)).toContain(invite.body.id);
  expect(pending.body.data[0]).not.toHaveProperty('token');

  const first = await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'New', password: PASSWORD });
  expect(first.status).toBe(200);
  const second = await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Again', password: PASSWORD });
  expect(second.status).toBe(404);
  expect(second.body.error.code).toBe('invitation_invalid');

  const tampered = invite.body.token.slice(0, -4) + 'AAAA';
  expect((await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: tampered, name: 'x', password: PASSWORD })).status).toBe(404);

  const revoked = await owner.post('/api/v1/invitations', { email: uniqueEmail('revoked'), role: 'admin' });
  expect((await admin.delete(`/api/v1/invitations/${revoked.body.id}`)).status).toBe(204);
  expect((await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: revoked.body.token, name: 'x', password: PASSWORD })).status).toBe(404);

  // An existing account joins a second organization by confirming its password, then can switch between them.
  const other = new Browser(api.app, randomIp());
  const otherOrg = await other.signUp();
  const crossInvite = await owner.post('/api/v1/invitations', { email: otherOrg.user.email, role: 'admin' });
  expect((await new Browser(api.app, randomIp()).post('/api/v1/invitations/accept', { token: crossInvite.body.token, password: 'wrong password here' })).status).toBe(401);
  const joined = await other.post('/api/v1/invitations/accept', { token: crossInvite.body.token });
  expect(joined.status).toBe(200);
  other.remember(joined);
  expect(joined.body.organization).toMatchObject({ id: owner.info!.organization.id, role: 'admin' });
  expect(joined.body.organizations).toHaveLength(2);
  const back = await other.post('/api/v1/auth/switch-organization', { organizationId: otherOrg.organization.id });
  expect(back.status).toBe(200);
  expect(back.body.organization).toMatchObject({ id: otherOrg.organization.id, role: 'owner' });
});

test('invitations expire', async () => {
  const shortLived = await startApi({ INVITATION_TTL_MS: '60000' });
  try {
    const owner = new Browser(shortLived.app, randomIp());
    await owner.signUp();
    const invite = await owner.post('/api/v1/invitations', { email: uniqueEmail('late'), role: 'member' });
    // Move the invitation's expiry into the past rather than waiting a minute; the signed token's own exp is checked too.
    await shortLived.services.db('invitations').where({ id: invite.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const res = await new Browser(shortLived.app, randomIp()).post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Late', password: PASSWORD });
    expect(res.status).toBe(404);
  } finally {
    await shortLived.close();
  }
});

test('roles change with checks: only owners touch owners, and the last owner cannot be removed or demoted', async () => {
  const { owner, admin, member } = await team();
  const ownerId = owner.info!.user.id;
  const memberId = member.info!.user.id;
  const adminId = admin.info!.user.id;
  expect((await admin.patch(`/api/v1/members/${ownerId}`, { role: 'member' })).status).toBe(403);
  expect((await admin.patch(`/api/v1/members/${memberId}`, { role: 'owner' })).status).toBe(403);
  const lastOwner = await owner.patch(`/api/v1/members/${ownerId}`, { role: 'admin' });
  expect(lastOwner.status).toBe(409);
  expect(lastOwner.body.error.code).toBe('last_owner');
  expect((await owner.delete(`/api/v1/members/${ownerId}`)).status).toBe(409);

  const promoted = await admin.patch(`/api/v1/members/${memberId}`, { role: 'admin' });
  expect(promoted.body).toMatchObject({ userId: memberId, role: 'admin' });
  expect((await owner.patch(`/api/v1/members/${adminId}`, { role: 'owner' })).status).toBe(200);
  // Now two owners: one may step down.
  expect((await owner.patch(`/api/v1/members/${ownerId}`, { role: 'admin' })).status).toBe(200);

  // A removed member's session stops working at once.
  expect((await admin.delete(`/api/v1/members/${memberId}`)).status).toBe(204);
  expect((await member.get('/api/v1/organization')).status).toBe(401);

  const members = await admin.get('/api/v1/members?limit=1');
  expect(members.body.data).toHaveLength(1);
  const next = await admin.get(`/api/v1/members?limit=1&cursor=${members.body.nextCursor}`);
  expect(next.body.data[0].userId).not.toBe(members.body.data[0].userId);
  expect(next.body.nextCursor).toBeNull();
});

test('API keys: shown once, stored hashed, usable, last-used recorded, revocable', async () => {
  const { owner, admin, member } = await team();
  const created = await admin.post('/api/v1/api-keys', { name: 'Zapier' });
  expect(created.status).toBe(201);
  const key: string = created.body.key;
  expect(key.startsWith(`${created.body.prefix}_`)).toBe(true);
  const row = await api.services.db('api_keys').where({ id: created.body.id }).first();
  expect(JSON.stringify(row)).not.toContain(key.split('_').pop());

  const asKey = await request(api.app).get('/api/v1/organization').set('Authorization', `Bearer ${key}`);
  expect(asKey.status).toBe(200);
  expect(asKey.body.id).toBe(owner.info!.organization.id);
  // API keys need no CSRF token, and cannot mint more keys.
  const patch = await request(api.app).patch('/api/v1/organization').set('Authorization', `Bearer ${key}`).send({ greeting: 'Hello from the API' });
  expect(patch.status).toBe(200);
  expect((await request(api.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${key}`).send({ name: 'child' })).status).toBe(403);

  const listed = await owner.get('/api/v1/api-keys');
  const entry = listed.body.data.find((k: { id: string }) => k.id === created.body.id);
  expect(entry.lastUsedAt).not.toBeNull();
  expect(entry).not.toHaveProperty('key');
  expect((await member.get('/api/v1/api-keys')).status).toBe(403);

  expect((await owner.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
  const afterRevoke = await request(api.app).get('/api/v1/organization').set('Authorization', `Bearer ${key}`);
  expect(afterRevoke.status).toBe(401);
  expect(afterRevoke.body.error.code).toBe('invalid_api_key');
  expect((await request(api.app).get('/api/v1/organization').set('Authorization', 'Bearer cg_live_nope')).status).toBe(401);

  const audit = await owner.get('/api/v1/audit-log');
  const actions = audit.body.data.map((e: { action: string; actorType: string }) => `${e.action}:${e.actorType}`);
  expect(actions).toEqual(expect.arrayContaining(['api_key.created:user', 'api_key.revoked:user', 'organization.settings_changed:api_key']));
});

test('phone numbers are normalized to E.164 and belong to one organization only', async () => {
  const a = new Browser(api.app, randomIp());
  await a.signUp();
  const b = new Browser(api.app, randomIp());
  await b.signUp();
  const e164 = randomPhone();
  const national = `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
  const added = await a.post('/api/v1/phone-numbers', { number: national, label: 'Front desk' });
  expect(added.status).toBe(201);
  expect(added.body).toMatchObject({ number: e164, label: 'Front desk' });
  const taken = await b.post('/api/v1/phone-numbers', { number: e164 });
  expect(taken.status).toBe(409);
  expect(taken.body.error.message).not.toContain(a.info!.organization.id);
  expect((await a.post('/api/v1/phone-numbers', { number: '+1 555 000' })).body.error.field).toBe('number');
  expect((await a.post('/api/v1/phone-numbers', { number: '020 7946 0958', country: 'GB' })).body.number).toBe('+442079460958');
  expect((await a.delete(`/api/v1/phone-numbers/${added.body.id}`)).status).toBe(204);
  expect((await b.post('/api/v1/phone-numbers', { number: e164 })).status).toBe(201);
});

test("a member of organization A using organization B's ids gets 404 on every endpoint, and B is unchanged", async () => {
  const a = await team();
  const b = await team();
  const bKey = await b.owner.post('/api/v1/api-keys', { name: 'B key' });
  const bNumber = await b.owner.post('/api/v1/phone-numbers', { number: randomPhone() });
  const bInvite = await b.owner.post('/api/v1/invitations', { email: uniqueEmail('b-invitee'), role: 'member' });
  const bExport = await b.owner.post('/api/v1/exports', { scope: 'user' });
  const snapshot = async () =>
    Promise.all(['/api/v1/organization', '/api/v1/members', '/api/v1/api-keys', '/api/v1/phone-numbers', '/api/v1/invitations'].map(async (p) => (await b.owner.get(p)).body));
  const before = await snapshot();

  const bIds: Record<string, string> = {
    userId: b.member.info!.user.id,
    invitationId: bInvite.body.id,
    keyId: bKey.body.id,
    phoneNumberId: bNumber.body.id,
    requestId: bExport.body.id,
  };
  let tried = 0;
  for (const route of V1_ROUTES) {
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    if (names.length === 0 || names.includes('provider') || names.some((n) => !bIds[n])) continue;
    const path = `/api/v1${route.path.replace(/\{(\w+)\}/g, (_, n: string) => bIds[n]!)}`;
    const body = route.method === 'patch' ? { role: 'member' } : {};
    const res =
      route.method === 'get' ? await a.owner.get(path) : route.method === 'delete' ? await a.owner.delete(path) : route.method === 'post' ? await a.owner.post(path, body) : await a.owner.patch(path, body);
    expect([route.operationId, res.status]).toEqual([route.operationId, 404]);
    expect(JSON.stringify(res.body)).not.toContain(bIds[names[0]!]!.slice(4));
    tried++;
  }
  expect(tried).toBeGreaterThanOrEqual(5);
  // B's organization id is not one A can act in either.
  expect((await a.owner.post('/api/v1/auth/switch-organization', { organizationId: b.owner.info!.organization.id })).status).toBe(404);
  expect((await new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email: a.owner.info!.user.email, password: PASSWORD, organizationId: b.owner.info!.organization.id })).status).toBe(404);
  // An API key of A's cannot see B's data either.
  const aKey = (await a.admin.post('/api/v1/api-keys', { name: 'A key' })).body.key;
  expect((await request(api.app).delete(`/api/v1/api-keys/${bKey.body.id}`).set('Authorization', `Bearer ${aKey}`)).status).toBe(404);

  expect(await snapshot()).toEqual(before);
});

test('every audited action is in the audit log with actor, target and IP', async () => {
  const ip = randomIp();
  const owner = new Browser(api.app, ip);
  const { user } = await owner.signUp();
  // HIPAA mode needs the Business Associate Agreement first: refused (nothing changed), then accepted.
  const refused = await owner.patch('/api/v1/organization', { hipaaMode: true, agentInstructions: 'Be brief.' });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'baa_required']);
  const { current } = (await owner.get('/api/v1/organization')).body.businessAssociateAgreement;
  expect((await owner.post('/api/v1/organization/baa', { version: 'an older one' })).body.error.code).toBe('baa_version_changed');
  expect((await owner.post('/api/v1/organization/baa', { version: current })).body.businessAssociateAgreement).toMatchObject({ acceptedVersion: current, acceptedAt: expect.any(String) });
  expect((await owner.patch('/api/v1/organization', { hipaaMode: true, agentInstructions: 'Be brief.' })).body.hipaaMode).toBe(true);
  const invite = await owner.post('/api/v1/invitations', { email: uniqueEmail('audited'), role: 'member' });
  const joiner = new Browser(api.app, randomIp());
  const joined = await joiner.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'J', password: PASSWORD });
  await owner.patch(`/api/v1/members/${joined.body.user.id}`, { role: 'admin' });
  await owner.delete(`/api/v1/members/${joined.body.user.id}`);
  const revokedInvite = await owner.post('/api/v1/invitations', { email: uniqueEmail('r'), role: 'member' });
  await owner.delete(`/api/v1/invitations/${revokedInvite.body.id}`);
  const key = await owner.post('/api/v1/api-keys', { name: 'k' });
  await owner.delete(`/api/v1/api-keys/${key.body.id}`);
  const number = await owner.post('/api/v1/phone-numbers', { number: randomPhone() });
  await owner.delete(`/api/v1/phone-numbers/${number.body.id}`);
  await owner.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' });
  await new Browser(api.app, randomIp()).post('/api/v1/auth/signin', { email: user.email, password: 'definitely wrong' });
  await owner.post('/api/v1/auth/signout');
  await owner.signIn(user.email, 'another long passphrase');

  const log = await owner.get('/api/v1/audit-log?limit=100');
  const entries = log.body.data as Array<{ id: string; action: string; actorId: string; targetId: string; ip: string; metadata: Record<string, unknown> }>;
  expect(entries.map((e) => e.action).reverse()).toEqual([
    'organization.created',
    'auth.signed_in',
    'organization.baa_accepted',
    'organization.settings_changed',
    'invitation.created',
    'member.joined',
    'auth.signed_in',
    'member.role_changed',
    'member.removed',
    'invitation.created',
    'invitation.revoked',
    'api_key.created',
    'api_key.revoked',
    'phone_number.added',
    'phone_number.removed',
    'user.password_changed',
    'auth.sign_in_failed',
    'auth.signed_out',
    'auth.signed_in',
  ]);
  const settings = entries.find((e) => e.action === 'organization.settings_changed')!;
  expect(settings).toMatchObject({ actorId: user.id, ip, metadata: { fields: ['agentInstructions', 'hipaaMode'] } });
  expect(entries.find((e) => e.action === 'member.role_changed')).toMatchObject({ targetId: joined.body.user.id, metadata: { from: 'member', to: 'admin' } });
  const page = await owner.get('/api/v1/audit-log?limit=5');
  const page2 = await owner.get(`/api/v1/audit-log?limit=5&cursor=${page.body.nextCursor}`);
  expect(page2.body.data[0].id).toBe(entries[5]!.id);
});

test('HIPAA mode only on a plan that includes it: refused on the prepaid plan; while on, a change to that plan is refused, and one asked before is not applied (audited)', async () => {
  const { owner } = await team();
  const orgId = owner.info!.organization.id;
  const { current } = (await owner.get('/api/v1/organization')).body.businessAssociateAgreement;
  await owner.post('/api/v1/organization/baa', { version: current });
  await api.services.db('organizations').where({ id: orgId }).update({ billing_mode: 'prepaid' });
  const refused = await owner.patch('/api/v1/organization', { hipaaMode: true });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'plan_excludes_hipaa']);
  expect((await owner.get('/api/v1/organization')).body.hipaaMode).toBe(false);

  await api.services.db('organizations').where({ id: orgId }).update({ billing_mode: 'subscription' });
  expect((await owner.patch('/api/v1/organization', { hipaaMode: true })).body.hipaaMode).toBe(true);
  const change = await owner.put('/api/v1/billing/plan', { plan: 'prepaid' });
  expect([change.status, change.body.error.code]).toEqual([409, 'plan_excludes_hipaa']);

  // A change to prepaid asked for before HIPAA mode went on reaches the period's end: the plan is kept.
  const cycle = createBillingCycleActivities({ ...api.services, usage: { bill: () => Promise.reject(new Error('not used')) } });
  await cycle.applyPlan({ orgId, plan: 'prepaid' });
  expect((await api.services.db('organizations').where({ id: orgId }).first('billing_mode')).billing_mode).toBe('subscription');
  expect(await api.services.db('audit_log').where({ org_id: orgId, action: 'billing.plan_change_refused' }).pluck('metadata')).toEqual([
    { plan: 'prepaid', kept: 'subscription', reason: 'HIPAA mode is on, and the plan does not include it' },
  ]);
});

test('HIPAA mode protecting call data goes off only by an owner who confirms it (audited); the owner, alone, exports the whole audit log as CSV', async () => {
  const { owner, admin } = await team();
  const orgId = owner.info!.organization.id;
  const { current } = (await owner.get('/api/v1/organization')).body.businessAssociateAgreement;
  await owner.post('/api/v1/organization/baa', { version: current });
  expect((await owner.patch('/api/v1/organization', { hipaaMode: true })).body.hipaaMode).toBe(true);
  // Nothing protected yet: off and on again freely.
  expect((await admin.patch('/api/v1/organization', { hipaaMode: false })).body.hipaaMode).toBe(false);
  expect((await owner.patch('/api/v1/organization', { hipaaMode: true })).body.hipaaMode).toBe(true);
  await api.services.db('calls').insert({ id: newId('call'), org_id: orgId, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(api.services.fields, orgId)), started_at: new Date() });

  const key = (await owner.post('/api/v1/api-keys', { name: 'automation' })).body.key as string;
  const refusals = [
    await admin.patch('/api/v1/organization', { hipaaMode: false, confirmHipaaOff: true }),
    await owner.patch('/api/v1/organization', { hipaaMode: false }),
    await request(api.app).patch('/api/v1/organization').set('Authorization', `Bearer ${key}`).send({ hipaaMode: false, confirmHipaaOff: true }),
  ];
  expect(refusals.map((r) => [r.status, r.body.error.code])).toEqual(Array(3).fill([409, 'protected_data_exists']));
  expect((await owner.get('/api/v1/organization')).body.hipaaMode).toBe(true);
  expect((await owner.patch('/api/v1/organization', { confirmHipaaOff: true })).status).toBe(400); // not a change by itself
  const off = await owner.patch('/api/v1/organization', { hipaaMode: false, confirmHipaaOff: true });
  expect([off.status, off.body.hipaaMode]).toEqual([200, false]);

  expect((await admin.get('/api/v1/audit-log/export')).status).toBe(403);
  const csv = await owner.get('/api/v1/audit-log/export');
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  expect(csv.headers['cache-control']).toBe('no-store');
  const lines = csv.text.trim().split('\r\n');
  expect(lines[0]).toBe('id,created_at,action,actor_type,actor_id,target_type,target_id,ip,request_id,metadata');
  // Both times it went off are audited: the admin's with nothing protected, the owner's with the call.
  const turnedOff = lines.filter((l) => l.includes(',organization.hipaa_turned_off,'));
  expect(turnedOff).toHaveLength(2);
  expect(turnedOff[0]).toContain(admin.info!.user.id);
  expect(turnedOff[0]).toContain('"{""calls"":0,""messages"":0}"');
  expect(turnedOff[1]).toContain(owner.info!.user.id);
  expect(turnedOff[1]).toContain('"{""calls"":1,""messages"":0}"');
  expect(lines.at(-1)).toContain(',audit_log.exported,');
  expect(lines.filter((l) => l.includes(',organization.created,'))).toHaveLength(1);
  const listed = (await owner.get('/api/v1/audit-log?limit=100')).body.data as unknown[];
  expect(lines.length - 1).toBe(listed.length);
});
