import request from 'supertest';
import { createApp } from '../../src/app';
import { TOKEN_CONTEXTS } from '../../src/booking/calendars/resolver';
import { googleEventId } from '../../src/booking/calendars/google';
import { withTenant } from '../../src/platform/db/tenancy';
import { bookingWorkflowId } from '../../workflows/booking/definitions';
import { startFakeGoogleCalendar, type FakeGoogleCalendar } from '../fakes/googleCalendar';
import { startFakeMicrosoftGraph, type FakeMicrosoftGraph } from '../fakes/microsoftGraph';
import { openAllWeek, slotIn, until } from '../helpers/booking';
import { PUBLIC_BASE_URL, startCallStack, type CallStack } from '../helpers/callStack';
import { apiKeyFor, makeOrganization } from '../helpers/organizations';
import { recordHistory } from '../helpers/histories';

let google: FakeGoogleCalendar;
let microsoft: FakeMicrosoftGraph;
let stack: CallStack;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  google = await startFakeGoogleCalendar({ clientId: 'g-client', clientSecret: 'g-secret', redirectUri: `${PUBLIC_BASE_URL}/api/v1/calendar-connections/google/callback` });
  microsoft = await startFakeMicrosoftGraph({ clientId: 'm-client', clientSecret: 'm-secret', redirectUri: `${PUBLIC_BASE_URL}/api/v1/calendar-connections/microsoft/callback` });
  stack = await startCallStack({
    GOOGLE_OAUTH_CLIENT_ID: 'g-client',
    GOOGLE_OAUTH_CLIENT_SECRET: 'g-secret',
    GOOGLE_CALENDAR_API_URL: google.apiRootUrl,
    GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
    MICROSOFT_OAUTH_CLIENT_ID: 'm-client',
    MICROSOFT_OAUTH_CLIENT_SECRET: 'm-secret',
    MICROSOFT_CALENDAR_AUTHORITY: microsoft.authority,
    MICROSOFT_GRAPH_URL: microsoft.graphBaseUrl,
  });
  app = createApp(stack.services);
});
afterAll(async () => {
  await stack.close();
  await google.close();
  await microsoft.close();
});

/** An organization with a service and an admin API client, its calendar connected through the real flow. */
async function connected(provider: 'google' | 'microsoft', issueCode: () => string) {
  const org = await makeOrganization(stack.services);
  await stack.services.db('organizations').where({ id: org.id }).update({ transfer_e164: '+14155550166' });
  const serviceId = await openAllWeek(stack.services, org.id);
  const key = await apiKeyFor(stack.services, org.id);
  const api = {
    get: (path: string) => request(app).get(`/api/v1${path}`).set('Authorization', `Bearer ${key}`),
    post: (path: string, body: object = {}) => request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${key}`).send(body),
  };
  const started = await api.post(`/calendar-connections/${provider}/authorize`);
  expect(started.status).toBe(200);
  const state = new URL(started.body.url).searchParams.get('state')!;
  // The browser comes back from the consent page with a code.
  const done = await request(app).get(`/api/v1/calendar-connections/${provider}/callback`).query({ state, code: issueCode() });
  expect(done.status).toBe(201);
  expect(done.body).toMatchObject({ provider, status: 'active' });
  const replayed = await request(app).get(`/api/v1/calendar-connections/${provider}/callback`).query({ state, code: issueCode() });
  expect([replayed.status, replayed.body.error.field]).toEqual([400, 'state']); // each consent URL works once
  const slots = async (hours: number) =>
    (await api.get(`/availability?serviceId=${serviceId}&from=${slotIn(24 * 60).toISOString()}&to=${new Date(slotIn(24 * 60).getTime() + hours * 3600_000).toISOString()}`)).body.slots.map((s: { start: string }) => s.start) as string[];
  const book = (start: string) => api.post('/appointments', { serviceId, start, customerName: 'Ada', customerPhone: '4155550123' });
  return { org, api, slots, book, connectionId: done.body.id as string };
}

const connection = (orgId: string, id: string) => withTenant(stack.services.db, orgId, (trx) => trx('calendar_connections').where({ id }).first());

test('Google: connect, busy time is not offered, events follow bookings, failures compensate, tokens refresh, a revoked grant degrades', async () => {
  const { org, api, slots, book, connectionId } = await connected('google', () => google.issueCode());
  const stored = await connection(org.id, connectionId);
  expect(stored.refresh_token_ciphertext.toString('latin1')).not.toMatch(/refresh|1\//);
  expect(await stack.services.fields.decrypt(org.id, TOKEN_CONTEXTS.refresh, stored.refresh_token_ciphertext)).toBeTruthy();
  expect((await request(app).get('/api/v1/calendar-connections/google/callback').query({ state: 'forged', code: google.issueCode() })).status).toBe(400);

  // A slot busy in Google is not offered.
  const free = await slots(3);
  const last = free.at(-1)!;
  google.busy = [{ start: last, end: new Date(Date.parse(last) + 30 * 60_000).toISOString() }];
  const offered = await slots(3);
  expect(offered).not.toContain(last);
  expect(offered).toContain(free[0]);

  // Booking creates the event, keyed on the appointment; moving moves it; cancelling deletes it.
  const booked = await book(free[0]!);
  expect(booked.status).toBe(201);
  const eventId = googleEventId(booked.body.id);
  expect(booked.body.externalEventId).toBe(eventId);
  expect(google.events.get(eventId)).toMatchObject({ status: 'confirmed', start: { dateTime: expect.any(String) }, extendedProperties: { private: { callgenlyKey: booked.body.id } } });
  const later = offered[12]!;
  expect((await api.post(`/appointments/${booked.body.id}/reschedule`, { start: later })).status).toBe(200);
  // The event follows the appointment right after the answer, off the caller's path.
  await until(() => Date.parse(google.events.get(eventId)!.start.dateTime) === Date.parse(later), 10_000);
  expect((await api.post(`/appointments/${booked.body.id}/cancel`)).status).toBe(200);
  await until(() => (google.events.get(eventId)?.status ?? 'deleted') !== 'confirmed', 10_000);

  // Busy in Google by the time it is booked: refused, and nothing is left behind.
  google.busy.push({ start: free[12]!, end: new Date(Date.parse(free[12]!) + 30 * 60_000).toISOString() });
  const clash = await book(free[12]!);
  expect([clash.status, clash.body.error.code]).toEqual([409, 'slot_taken']);

  // Google failing: the booking is compensated (slot released), the caller or admin hears so.
  google.failNext(4, 503); // two activity attempts, each a request and the adapter's one retry
  const failed = await book(free[24]!);
  expect([failed.status, failed.body.error.code]).toEqual([503, 'slot_calendar_error']);
  const rows = await withTenant(stack.services.db, org.id, (trx) => trx('appointments').whereNot({ id: booked.body.id }).whereIn('starts_at', [new Date(free[12]!), new Date(free[24]!)]).pluck('status'));
  expect(rows.sort()).toEqual(['failed', 'failed']);
  if (process.env.RECORD_HISTORIES) {
    const failedId = await withTenant(stack.services.db, org.id, (trx) => trx('appointments').where({ starts_at: new Date(free[24]!), status: 'failed' }).first('id'));
    await recordHistory(stack.services.temporal.workflow.getHandle(bookingWorkflowId(failedId.id)), 'booking-calendar-failed-compensated');
  }
  expect(await book(free[24]!)).toMatchObject({ status: 201 }); // the slot is free again

  // An expired access token is refreshed and the new one stored.
  const before = (await connection(org.id, connectionId)).access_token_ciphertext;
  const refreshes = google.tokenRequests.length;
  google.expireAccessTokens();
  expect((await slots(1)).length).toBeGreaterThan(0);
  expect(google.tokenRequests.length).toBe(refreshes + 1);
  expect((await connection(org.id, connectionId)).access_token_ciphertext.equals(before)).toBe(false);

  // A revoked grant marks the connection broken, tells the admins (audit log), and bookings carry on.
  google.revoke();
  expect((await slots(1)).length).toBeGreaterThan(0);
  expect(await connection(org.id, connectionId)).toMatchObject({ status: 'broken' });
  expect((await api.get('/calendar-connections')).body.data[0]).toMatchObject({ id: connectionId, status: 'broken' });
  const actions = await withTenant(stack.services.db, org.id, (trx) => trx('audit_log').pluck('action'));
  expect(actions).toEqual(expect.arrayContaining(['calendar.connected', 'calendar.connection_broken']));
  const alerts = () => stack.twilioRest.messages.filter((m) => m.To === '+14155550166');
  await until(() => alerts().length > 0, 10_000);
  expect(alerts().map((m) => m.Body)).toEqual([`${org.name}: Callgenly lost access to your Google Calendar. Reconnect it to avoid double bookings.`]);
  const afterRevoke = await book(free[33]!);
  expect([afterRevoke.status, afterRevoke.body.error]).toEqual([201, undefined]);
  expect(afterRevoke.body.externalEventId).toBeNull();
});

test('Microsoft 365: busy items are not offered and a booking creates one event keyed by transactionId', async () => {
  const { slots, book } = await connected('microsoft', () => microsoft.issueCode());
  const free = await slots(2);
  const last = free.at(-1)!;
  microsoft.calendarItems = [{ start: last, end: new Date(Date.parse(last) + 30 * 60_000).toISOString(), showAs: 'busy' }];
  expect(await slots(2)).not.toContain(last);
  const booked = await book(free[0]!);
  expect(booked.status).toBe(201);
  const event = microsoft.events.get(booked.body.externalEventId)!;
  expect(event).toMatchObject({ transactionId: booked.body.id, isCancelled: false });
});

test('another organization cannot see or disconnect a connection', async () => {
  const { connectionId } = await connected('google', () => google.issueCode());
  const other = await apiKeyFor(stack.services, (await makeOrganization(stack.services)).id);
  expect((await request(app).get('/api/v1/calendar-connections').set('Authorization', `Bearer ${other}`)).body.data).toEqual([]);
  expect((await request(app).delete(`/api/v1/calendar-connections/${connectionId}`).set('Authorization', `Bearer ${other}`)).status).toBe(404);
});

test("a person's browser coming back from the consent page is sent to the console's booking settings, with the outcome", async () => {
  const { api } = await connected('google', () => google.issueCode());
  const started = await api.post('/calendar-connections/google/authorize');
  const state = new URL(started.body.url).searchParams.get('state')!;
  const browser = (query: Record<string, string>) => request(app).get('/api/v1/calendar-connections/google/callback').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').query(query);
  const done = await browser({ state, code: google.issueCode() });
  expect([done.status, done.headers.location]).toEqual([303, `${PUBLIC_BASE_URL}/settings/booking?calendar=connected`]);
  const again = await browser({ state, code: google.issueCode() });
  expect(again.status).toBe(303);
  const back = new URL(again.headers.location!);
  expect([back.pathname, back.searchParams.get('calendar'), back.searchParams.get('reason')]).toEqual(['/settings/booking', 'failed', 'The connection attempt is unknown, expired or already used: start again']);
  expect((await api.get('/calendar-connections')).body.data.filter((c: { status: string }) => c.status === 'active')).toHaveLength(1);
});
