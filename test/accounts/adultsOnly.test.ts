import request from 'supertest';
import { minorErasureWorkflowId } from '../../workflows/privacy/deletionDefinitions';
import { Browser, PASSWORD, randomIp, uniqueEmail } from '../helpers/api';
import { startCoachStack } from '../helpers/coachStack';
import { recordHistory } from '../helpers/histories';

/**
 * Adults only: every way in (sign-up, a learner's sign-up, an invitation) needs the person to confirm
 * their age, 18 or the higher age the organization sets; someone reported as under it loses access at once
 * and is erased by a workflow, without an account deletion's grace period or a closed account's two years.
 */
let stack: Awaited<ReturnType<typeof startCoachStack>>;
beforeAll(async () => {
  stack = await startCoachStack();
});
afterAll(() => stack.close());

const ageOf = async (email: string) => (await stack.services.db('users').where({ email }).first('age_confirmed_minimum'))?.age_confirmed_minimum;

test('sign-up, a learner sign-up and an invitation each need the age confirmed; an organization may ask 21', async () => {
  const email = uniqueEmail('young');
  const unconfirmed = await new Browser(stack.app, randomIp()).post('/api/v1/auth/signup', { email, password: PASSWORD, name: 'Y', organization: { name: 'Y', timeZone: 'UTC' } });
  expect([unconfirmed.status, unconfirmed.body.error.field]).toEqual([400, 'ageConfirmed']);
  const consent = await request(stack.app).get(`/api/v1/coaching/organizations/${stack.orgId}/consent-text`);
  const learner = await new Browser(stack.app, randomIp()).post('/api/v1/coaching/signup', { organizationId: stack.orgId, email, password: PASSWORD, name: 'Y', phone: '+14155550142', timeZone: 'UTC', nativeLanguage: 'Turkish', consent: { agreed: true, version: consent.body.version } });
  expect([learner.status, learner.body.error.field]).toEqual([400, 'ageConfirmed']);
  expect(await ageOf(email)).toBeUndefined();

  for (const age of [17, 26]) expect((await stack.owner.patch('/api/v1/organization', { minimumAge: age })).status).toBe(400);
  expect((await stack.owner.patch('/api/v1/organization', { minimumAge: 21 })).body.minimumAge).toBe(21);
  const invite = await stack.owner.post('/api/v1/invitations', { email, role: 'member' });
  const joiner = new Browser(stack.app, randomIp());
  const refused = await joiner.post('/api/v1/invitations/accept', { token: invite.body.token, name: 'Y', password: PASSWORD });
  expect([refused.status, refused.body.error.code, refused.body.error.message]).toEqual([400, 'age_not_confirmed', expect.stringContaining('21')]);
  expect(await ageOf(email)).toBeUndefined(); // nothing created, and the invitation still stands
  expect((await joiner.post('/api/v1/invitations/accept', { token: invite.body.token, name: 'Y', password: PASSWORD, ageConfirmed: true })).status).toBe(200);
  expect(await ageOf(email)).toBe(21);

  // Someone who confirmed 18 elsewhere confirms again to join an organization asking 21.
  const adult = new Browser(stack.app, randomIp());
  const { user } = await adult.signUp();
  expect(await ageOf(user.email)).toBe(18);
  const second = await stack.owner.post('/api/v1/invitations', { email: user.email, role: 'member' });
  expect((await adult.post('/api/v1/invitations/accept', { token: second.body.token })).body.error.code).toBe('age_not_confirmed');
  expect((await adult.post('/api/v1/invitations/accept', { token: second.body.token, ageConfirmed: true })).status).toBe(200);
  expect(await ageOf(user.email)).toBe(21);
  await stack.owner.patch('/api/v1/organization', { minimumAge: 18 });
});

test('a learner and a staff member reported as minors lose access at once and are erased by a workflow; owners, oneself and strangers cannot be reported', async () => {
  const db = stack.services.db;
  const learner = await stack.learner();
  const plan = await stack.plan(learner.browser);
  const reported = await stack.owner.post(`/api/v1/members/${learner.userId}/minor-report`, {});
  expect(reported.status).toBe(202);
  expect(reported.body.workflowId).toBe(minorErasureWorkflowId(stack.orgId, learner.userId));
  // Access ends with the answer; the plan is over.
  expect((await learner.browser.get('/api/v1/me/learner')).status).toBe(401);
  const handle = stack.services.temporal.workflow.getHandle(reported.body.workflowId);
  expect(await handle.result()).toEqual({ learner: true, accountDeleted: true });
  await recordHistory(handle, 'minor-erasure');
  expect(await db('learners').where({ user_id: learner.userId }).first()).toBeUndefined();
  expect(await db('coach_plans').where({ id: plan.id }).first()).toBeUndefined();
  expect(await db('users').where({ id: learner.userId }).first()).toBeUndefined();
  // Reporting again (as after Temporal was unreachable) only starts the same erasure again.
  expect((await stack.owner.post(`/api/v1/members/${learner.userId}/minor-report`, {})).body.workflowId).toBe(reported.body.workflowId);
  const actions = (await db('audit_log').where({ org_id: stack.orgId, target_id: learner.userId }).pluck('action')).sort();
  expect(actions).toEqual(expect.arrayContaining(['coaching.account_closed', 'coaching.learner_erased', 'member.minor_erased', 'member.reported_minor']));

  // Staff: an admin reports a member; nobody reports an owner, themself, or someone not in the organization.
  const email = uniqueEmail('staff-minor');
  const invite = await stack.owner.post('/api/v1/invitations', { email, role: 'admin' });
  const admin = new Browser(stack.app, randomIp());
  admin.remember(await admin.post('/api/v1/invitations/accept', { token: invite.body.token, name: 'A', password: PASSWORD, ageConfirmed: true }));
  const memberInvite = await stack.owner.post('/api/v1/invitations', { email: uniqueEmail('member-minor'), role: 'member' });
  const member = new Browser(stack.app, randomIp());
  member.remember(await member.post('/api/v1/invitations/accept', { token: memberInvite.body.token, name: 'M', password: PASSWORD, ageConfirmed: true }));
  const ownerId = stack.owner.info!.user.id;
  expect((await admin.post(`/api/v1/members/${ownerId}/minor-report`, {})).body.error.code).toBe('owner_reported');
  expect((await admin.post(`/api/v1/members/${admin.info!.user.id}/minor-report`, {})).body.error.code).toBe('cannot_report_yourself');
  expect((await admin.post('/api/v1/members/usr_01jabcdefghjkmnpqrstvwxyz0/minor-report', {})).status).toBe(404);
  expect((await member.post(`/api/v1/members/${admin.info!.user.id}/minor-report`, {})).status).toBe(403);
  const staff = await admin.post(`/api/v1/members/${member.info!.user.id}/minor-report`, {});
  expect(staff.status).toBe(202);
  expect((await member.get('/api/v1/organization')).status).toBe(401);
  expect(await stack.services.temporal.workflow.getHandle(staff.body.workflowId).result()).toEqual({ learner: false, accountDeleted: true });
  expect(await db('users').where({ id: member.info!.user.id }).first()).toBeUndefined();
});
