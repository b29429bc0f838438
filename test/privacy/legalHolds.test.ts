import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Services } from '../../src/services';
import { newId } from '../../src/platform/db/ids';
import { Browser, randomIp, startApi, uniqueEmail } from '../helpers/api';
import { callNumbers } from '../helpers/phoneNumbers';

/** Legal holds through the API: the owner's, with a reason, audited; another organization's call is not found. */
let api: { services: Services; app: Express; close(): Promise<void> };
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

async function aCall(orgId: string): Promise<string> {
  const id = newId('call');
  await api.services.db('calls').insert({ id, org_id: orgId, call_sid: `CA${randomBytes(16).toString('hex')}`, direction: 'inbound', ...(await callNumbers(api.services.fields, orgId)), status: 'completed', started_at: new Date() });
  return id;
}

test('an owner places a hold with a reason and lifts it; an admin may not; another organization’s call is not found', async () => {
  const owner = new Browser(api.app, randomIp());
  const { organization } = await owner.signUp();
  const callId = await aCall(organization.id);
  const stranger = new Browser(api.app, randomIp());
  const theirCall = await aCall((await stranger.signUp()).organization.id);

  // No reason, no hold; nothing changed.
  const bare = await owner.put(`/api/v1/calls/${callId}/legal-hold`, { held: true });
  expect([bare.status, bare.body.error.field]).toEqual([400, 'reason']);
  expect((await owner.get('/api/v1/legal-holds')).body.calls).toEqual([]);

  const placed = await owner.put(`/api/v1/calls/${callId}/legal-hold`, { held: true, reason: 'Claim 7' });
  expect(placed.body).toMatchObject({ held: true, reason: 'Claim 7' });
  // Placed again (a new reason), it keeps its first date.
  const again = await owner.put(`/api/v1/calls/${callId}/legal-hold`, { held: true, reason: 'Claim 7, amended' });
  expect(again.body).toEqual({ held: true, reason: 'Claim 7, amended', since: placed.body.since });
  expect((await owner.get(`/api/v1/calls/${callId}`)).body.legalHold).toBe(true);
  expect((await owner.get('/api/v1/legal-holds')).body.calls).toMatchObject([{ callId, from: '+14155550111', reason: 'Claim 7, amended' }]);
  expect((await owner.put(`/api/v1/calls/${theirCall}/legal-hold`, { held: true, reason: 'x' })).status).toBe(404);

  // An admin sees holds but does not place or lift them.
  const invite = await owner.post('/api/v1/invitations', { email: uniqueEmail('hold-admin'), role: 'admin' });
  const admin = new Browser(api.app, randomIp());
  admin.remember(await admin.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: 'Ade', password: 'correct horse battery staple' }));
  expect((await admin.get('/api/v1/legal-holds')).status).toBe(200);
  expect((await admin.put('/api/v1/legal-holds/organization', { held: true, reason: 'mine' })).status).toBe(403);
  expect((await admin.put(`/api/v1/calls/${callId}/legal-hold`, { held: false })).status).toBe(403);

  expect((await owner.put('/api/v1/legal-holds/organization', { held: true, reason: 'Counsel' })).body).toMatchObject({ held: true, reason: 'Counsel' });
  expect((await owner.put('/api/v1/legal-holds/organization', { held: false })).body).toEqual({ held: false, reason: null, since: null });
  expect((await owner.put(`/api/v1/calls/${callId}/legal-hold`, { held: false })).body).toEqual({ held: false, reason: null, since: null });
  const audited = await api.services.db('audit_log').where({ org_id: organization.id }).where('action', 'like', 'legal_hold.%').orderBy('id').select('action', 'target_type', 'metadata');
  expect(audited.map((a) => `${a.action} ${a.target_type} ${a.metadata.reason}`)).toEqual([
    'legal_hold.placed call Claim 7',
    'legal_hold.placed call Claim 7, amended',
    'legal_hold.placed organization Counsel',
    'legal_hold.lifted organization null',
    'legal_hold.lifted call null',
  ]);
});
