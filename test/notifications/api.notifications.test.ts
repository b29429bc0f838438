import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app';
import type { Services } from '../../src/services';
import type { RunningWorker } from '../../src/worker';
import { startFakeSmtp, type FakeSmtp, type FakeSmtpMessage } from '../fakes/smtp';
import { Browser, PASSWORD, randomIp, uniqueEmail } from '../helpers/api';
import { until } from '../helpers/booking';
import { startTestWorker, testConfig, testServices, uniqueName } from '../helpers/stack';

/**
 * Notifications through the API: real triggers (API keys, role and password changes), a real worker
 * delivering over SMTP to a local server, the delivery log, preferences and the unsubscribe link.
 */
let smtp: FakeSmtp;
let services: Services;
let app: Express;
let worker: RunningWorker;

beforeAll(async () => {
  smtp = await startFakeSmtp();
  services = await testServices(testConfig({ SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_IP: '1000', AUTH_RATE_LIMIT_PER_ACCOUNT: '1000' }));
  app = createApp(services);
  worker = await startTestWorker(services);
});
afterAll(async () => {
  await worker?.stop();
  await services?.close();
  await smtp?.close();
});

/** Mail received for an address, with the kind of the notification it was sent for (by its Message-ID). */
async function mailTo(address: string): Promise<Array<{ kind: string; id: string; mail: FakeSmtpMessage }>> {
  const mails = smtp.messages.filter((m) => m.envelope.to.map((a) => a.toLowerCase()).includes(address.toLowerCase()));
  const ids = mails.map((m) => /^<(ntf_[^@]+)@callgenly>$/.exec(m.messageId ?? '')?.[1]);
  const rows: Array<{ id: string; kind: string }> = await services.db('notifications').whereIn('id', ids.filter(Boolean) as string[]).select('id', 'kind');
  const kinds = new Map(rows.map((r) => [r.id, r.kind]));
  return mails.map((mail, i) => ({ mail, id: ids[i] ?? '', kind: kinds.get(ids[i] ?? '') ?? 'unknown' }));
}
/** The notices an address received since joining (the invitation that brought them is checked in team()). */
const kindsTo = async (address: string) => (await mailTo(address)).map((m) => m.kind).filter((k) => k !== 'accounts.invitation').sort();
/** Waits for `count` mails of `kind` to the address, then a little longer to see that no more arrive. */
async function expectMails(address: string, kind: string, count: number) {
  const ofKind = async () => (await mailTo(address)).filter((m) => m.kind === kind);
  await until(async () => (await ofKind()).length >= count, 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  const mails = await ofKind();
  expect(mails).toHaveLength(count);
  return mails;
}

/** An organization with an owner, an admin and a member, each signed in in their own browser. */
async function team() {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: uniqueName('Notify Clinic') });
  const join = async (role: 'admin' | 'member') => {
    const email = uniqueEmail(role);
    const invite = await owner.post('/api/v1/invitations', { email, role });
    expect(invite.status).toBe(201);
    // The invitation is emailed, with the link the API answered with.
    const [invited] = await expectMails(email, 'accounts.invitation', 1);
    expect(invited!.mail.text).toContain(invite.body.acceptUrl);
    expect(invited!.mail.text).not.toContain('Unsubscribe');
    const browser = new Browser(app, randomIp());
    const accepted = await browser.post('/api/v1/invitations/accept', { ageConfirmed: true, token: invite.body.token, name: role, password: PASSWORD });
    expect(accepted.status).toBe(200);
    browser.remember(accepted);
    return browser;
  };
  return { owner, admin: await join('admin'), member: await join('member') };
}
const emailOf = (b: Browser) => b.info!.user.email;

/** Path and query of a link in an email (which is built on config.http.publicBaseUrl). */
function localPath(url: string): string {
  expect(url.startsWith(`${services.config.http.publicBaseUrl}/`)).toBe(true);
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
const unsubscribeLinkIn = (text: string) => /Unsubscribe from these emails: (\S+)/.exec(text)?.[1];
const header = (mail: FakeSmtpMessage, name: string) => mail.headerLines.find((h) => h.key === name)?.line;

test('API key created and revoked: owners and admins are alerted once each; the delivery log is the organization admins\'', async () => {
  const { owner, admin, member } = await team();
  const created = await admin.post('/api/v1/api-keys', { name: 'Zapier sync' });
  expect(created.status).toBe(201);

  const [toOwner] = await expectMails(emailOf(owner), 'security.api_key_created', 1);
  const [toAdmin] = await expectMails(emailOf(admin), 'security.api_key_created', 1);
  expect(toOwner!.mail.subject).toContain('Zapier sync');
  expect(toOwner!.mail.text).toContain(emailOf(admin)); // who did it
  expect(toOwner!.mail.text).not.toContain('Unsubscribe'); // mandatory
  expect(header(toOwner!.mail, 'list-unsubscribe')).toBeUndefined();
  expect(toAdmin!.mail.envelope.to).toEqual([emailOf(admin)]);
  expect(await kindsTo(emailOf(member))).toEqual([]); // members are not told

  expect((await admin.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
  const [revokedToOwner] = await expectMails(emailOf(owner), 'security.api_key_revoked', 1);
  await expectMails(emailOf(admin), 'security.api_key_revoked', 1);
  expect(revokedToOwner!.mail.subject).toContain('revoked');
  // Revoking again changes nothing and so tells nobody.
  expect((await admin.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await kindsTo(emailOf(owner))).toEqual(['security.api_key_created', 'security.api_key_revoked']);
  expect(await kindsTo(emailOf(admin))).toEqual(['security.api_key_created', 'security.api_key_revoked']);
  expect(await kindsTo(emailOf(member))).toEqual([]);

  const log = await admin.get('/api/v1/notifications');
  expect(log.status).toBe(200);
  const entries = (log.body.data as Array<{ id: string; kind: string; channel: string; recipient: string; status: string; sentAt: string | null }>)
    .map((d) => [d.kind, d.channel, d.recipient, d.status])
    .sort();
  expect(entries).toEqual(
    [
      // The invitations that brought the admin and the member are the organization's notices too.
      ['accounts.invitation', 'email', emailOf(admin), 'sent'],
      ['accounts.invitation', 'email', emailOf(member), 'sent'],
      ['security.api_key_created', 'email', emailOf(admin), 'sent'],
      ['security.api_key_created', 'email', emailOf(owner), 'sent'],
      ['security.api_key_revoked', 'email', emailOf(admin), 'sent'],
      ['security.api_key_revoked', 'email', emailOf(owner), 'sent'],
    ].sort(),
  );
  expect((log.body.data as Array<{ sentAt: string | null }>).every((d) => d.sentAt !== null)).toBe(true);
  const sentIds = (await mailTo(emailOf(owner))).concat(await mailTo(emailOf(admin)), await mailTo(emailOf(member))).map((m) => m.id).sort();
  expect((log.body.data as Array<{ id: string }>).map((d) => d.id).sort()).toEqual(sentIds);
  expect((await admin.get('/api/v1/notifications?status=failed')).body.data).toEqual([]);

  const forbidden = await member.get('/api/v1/notifications');
  expect(forbidden.status).toBe(403);

  const stranger = new Browser(app, randomIp());
  await stranger.signUp({ orgName: uniqueName('Other Clinic') });
  const theirs = await stranger.get('/api/v1/notifications');
  expect(theirs.status).toBe(200);
  const theirIds = (theirs.body.data as Array<{ id: string }>).map((d) => d.id);
  expect(theirIds.filter((id) => sentIds.includes(id))).toEqual([]);
  expect(theirs.body.data).toEqual([]);
});

test('preferences: every kind a person receives, mandatory ones cannot be switched off, others can', async () => {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: uniqueName('Prefs Clinic') });
  const initial = await owner.get('/api/v1/me/notification-preferences');
  expect(initial.status).toBe(200);
  expect(initial.body.phoneNumber).toBeNull();
  const byKind = (body: { preferences: Array<{ kind: string; email: boolean; sms: boolean; mandatory: boolean }> }) => new Map(body.preferences.map((p) => [p.kind, p]));
  const prefs = byKind(initial.body);
  expect(prefs.get('usage.weekly_report')).toEqual({ kind: 'usage.weekly_report', email: true, sms: false, mandatory: false });
  expect(prefs.get('security.password_changed')).toEqual({ kind: 'security.password_changed', email: true, sms: false, mandatory: true });
  expect(prefs.get('security.api_key_created')?.mandatory).toBe(true);
  expect(prefs.get('billing.low_balance')?.mandatory).toBe(false);
  // Kinds for the organization's addresses are not a person's to choose.
  expect(prefs.has('calls.message_taken')).toBe(false);

  // A mandatory kind switched off, alongside a valid change: refused, and neither is applied.
  const refused = await owner.agent
    .put('/api/v1/me/notification-preferences')
    .set('X-CSRF-Token', owner.csrf!)
    .send({ preferences: [{ kind: 'usage.weekly_report', email: false, sms: false }, { kind: 'security.password_changed', email: false, sms: false }] });
  expect(refused.status).toBe(400);
  expect(refused.body.error.code).toBe('mandatory_notice');
  expect((await owner.get('/api/v1/me/notification-preferences')).body).toEqual(initial.body);
  expect(await services.db('notification_preferences').where({ user_id: owner.info!.user.id })).toEqual([]);

  const put = (body: unknown) => owner.agent.put('/api/v1/me/notification-preferences').set('X-CSRF-Token', owner.csrf!).send(body as object);
  const off = await put({ preferences: [{ kind: 'usage.weekly_report', email: false, sms: false }] });
  expect(off.status).toBe(200);
  expect(byKind(off.body).get('usage.weekly_report')).toEqual({ kind: 'usage.weekly_report', email: false, sms: false, mandatory: false });
  expect(byKind((await owner.get('/api/v1/me/notification-preferences')).body).get('usage.weekly_report')?.email).toBe(false);

  const badPhone = await put({ phoneNumber: '12345' });
  expect(badPhone.status).toBe(400);
  expect(badPhone.body.error.code).toBe('invalid_request');
  expect((await owner.get('/api/v1/me/notification-preferences')).body.phoneNumber).toBeNull();

  const phone = await put({ phoneNumber: '(415) 555-2671' });
  expect(phone.status).toBe(200);
  expect(phone.body.phoneNumber).toBe('+14155552671');
  expect(byKind(phone.body).get('usage.weekly_report')?.email).toBe(false); // untouched by a phone-only change
});

test('mandatory notices go by email whatever the preferences say', async () => {
  const owner = new Browser(app, randomIp());
  await owner.signUp({ orgName: uniqueName('Mandatory Clinic') });
  const put = (body: unknown) => owner.agent.put('/api/v1/me/notification-preferences').set('X-CSRF-Token', owner.csrf!).send(body as object);
  expect((await put({ preferences: [{ kind: 'usage.weekly_report', email: false, sms: false }] })).status).toBe(200);
  // A stored "no" for a mandatory kind (e.g. from before it became mandatory) is overridden too.
  await services.db('notification_preferences').insert({ user_id: owner.info!.user.id, kind: 'security.password_changed', email: false, sms: false });

  const changed = await owner.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 42' });
  expect(changed.status).toBe(204);
  const [mail] = await expectMails(emailOf(owner), 'security.password_changed', 1);
  expect(mail!.mail.subject).toContain('your password was changed');
  expect(mail!.mail.text).not.toMatch(/unsubscribe/i);
  expect(header(mail!.mail, 'list-unsubscribe')).toBeUndefined();
  const [row] = await services.db('notifications').where({ id: mail!.id });
  expect([row.status, row.mandatory, row.user_id]).toEqual(['sent', true, owner.info!.user.id]);
});

test('the unsubscribe link switches that kind off for its recipient, without signing in', async () => {
  const owner = new Browser(app, randomIp());
  const { user, organization } = await owner.signUp({ orgName: uniqueName('Unsub Clinic') });
  const payload = { periodStart: '2026-01-05T05:00:00.000Z', periodEnd: '2026-01-12T05:00:00.000Z', calls: 3, outcomes: { booked: 2, message_taken: 1 }, bookings: 2, minutes: 7, costSoFar: null };
  const report = (cause: string) => services.notifier.notify({ kind: 'usage.weekly_report', orgId: organization.id, payload, to: { userIds: [user.id] }, cause });
  const ids = await report(uniqueName('test:report'));
  expect(ids).toHaveLength(1);

  const [received] = await expectMails(user.email, 'usage.weekly_report', 1);
  const mail = received!.mail;
  const url = unsubscribeLinkIn(mail.text ?? '');
  expect(url).toBeDefined();
  const path = localPath(url!);
  expect(path.startsWith('/notifications/unsubscribe?token=')).toBe(true);
  expect(header(mail, 'list-unsubscribe')).toContain(url!);
  expect(header(mail, 'list-unsubscribe-post')).toContain('List-Unsubscribe=One-Click');

  const emailPreference = async () =>
    (await owner.get('/api/v1/me/notification-preferences')).body.preferences.find((p: { kind: string }) => p.kind === 'usage.weekly_report');

  // GET (what a mail scanner does) only shows the button.
  const shown = await request(app).get(path);
  expect(shown.status).toBe(200);
  expect(shown.headers['content-type']).toMatch(/text\/html/);
  expect(shown.text).toMatch(/<form method="post"/);
  expect(await emailPreference()).toEqual({ kind: 'usage.weekly_report', email: true, sms: false, mandatory: false });
  expect(await services.db('notification_preferences').where({ user_id: user.id })).toEqual([]);

  // Tampered tokens are refused either way, and change nothing.
  const token = new URLSearchParams(new URL(url!).search).get('token')!;
  const tampered = `/notifications/unsubscribe?token=${encodeURIComponent(token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA'))}`;
  expect((await request(app).get(tampered)).status).toBe(400);
  expect((await request(app).post(tampered).type('form').send('List-Unsubscribe=One-Click')).status).toBe(400);
  expect(await services.db('notification_preferences').where({ user_id: user.id })).toEqual([]);

  // POST (the button, or the mail client's one-click) with no session and no cookies.
  const done = await request(app).post(path).type('form').send('List-Unsubscribe=One-Click');
  expect(done.status).toBe(200);
  expect(done.headers['content-type']).toMatch(/text\/html/);
  expect(await emailPreference()).toEqual({ kind: 'usage.weekly_report', email: false, sms: false, mandatory: false });

  // The next report to that person is not even written.
  const cause = uniqueName('test:report-again');
  expect(await report(cause)).toEqual([]);
  expect(await services.db('notifications').where('idempotency_key', 'like', `${cause}:%`)).toEqual([]);

  // Mandatory emails carry no link, and a link for one (forged with the real key) does nothing.
  expect((await owner.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'another fresh passphrase 7' })).status).toBe(204);
  const [mandatory] = await expectMails(user.email, 'security.password_changed', 1);
  expect(unsubscribeLinkIn(mandatory!.mail.text ?? '')).toBeUndefined();
  expect(mandatory!.mail.text).not.toContain('/notifications/unsubscribe');
  expect(mandatory!.mail.html).not.toContain('/notifications/unsubscribe');
  expect(header(mandatory!.mail, 'list-unsubscribe')).toBeUndefined();
  const forged = await services.tokens.sign('unsubscribe', {}, 60_000, { subject: mandatory!.id });
  expect((await request(app).post(`/notifications/unsubscribe?token=${encodeURIComponent(forged)}`).type('form').send('')).status).toBe(400);
  expect((await services.db('notification_preferences').where({ user_id: user.id, kind: 'security.password_changed' })).length).toBe(0);
  expect(await kindsTo(user.email)).toEqual(['security.password_changed', 'usage.weekly_report']);
});

test('a role change emails the member whose role changed', async () => {
  const { owner, admin, member } = await team();
  const changed = await owner.patch(`/api/v1/members/${member.info!.user.id}`, { role: 'admin' });
  expect(changed.status).toBe(200);
  expect(changed.body.role).toBe('admin');
  const [mail] = await expectMails(emailOf(member), 'security.role_changed', 1);
  expect(mail!.mail.subject).toContain('your role changed from member to admin');
  expect(mail!.mail.text).toContain(emailOf(owner));
  expect(mail!.mail.envelope.to).toEqual([emailOf(member)]);
  // Nobody else hears of it; setting the same role again is no change and sends nothing.
  expect((await owner.patch(`/api/v1/members/${member.info!.user.id}`, { role: 'admin' })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await kindsTo(emailOf(member))).toEqual(['security.role_changed']);
  expect(await kindsTo(emailOf(owner))).toEqual([]);
  expect(await kindsTo(emailOf(admin))).toEqual([]);
});
