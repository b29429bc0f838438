import { createGoogleCalendar, exchangeGoogleCode, googleAuthorizeUrl, googleEventId, type GoogleCalendarOAuth } from '../../src/booking/calendars/google';
import { CalendarAuthRevokedError, CalendarUnavailableError, type CalendarTokens } from '../../src/booking/calendars/provider';
import { appointmentEvent } from '../helpers/calendarEvent';
import { startFakeGoogleCalendar, type FakeGoogleCalendar } from '../fakes/googleCalendar';

/** The real @googleapis/calendar + google-auth-library adapter against a local fake of Google's wire format. */
const client = {
  clientId: '1234-abc.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-test-secret',
  redirectUri: 'https://app.callgenly.test/calendars/google/callback',
};
const SCOPES = ['https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/calendar.freebusy'];

let fake: FakeGoogleCalendar;
let opts: GoogleCalendarOAuth;

beforeEach(async () => {
  fake = await startFakeGoogleCalendar(client);
  opts = { ...client, apiRootUrl: fake.apiRootUrl, tokenUrl: fake.tokenUrl };
});
afterEach(() => fake.close());

function connect(tokens: CalendarTokens = fake.issueTokens(), calendarId?: string) {
  const stored: CalendarTokens[] = [];
  const provider = createGoogleCalendar({ ...opts, calendarId }, tokens, async (fresh) => {
    stored.push(fresh);
  });
  return { provider, stored, tokens };
}

const bearerOf = (index: number) => fake.requests[index]?.headers.authorization;

const appointment = appointmentEvent;

describe('connecting a Google calendar', () => {
  it('sends the admin to consent with our client, redirect, state and both scopes, asking for offline access', () => {
    const url = new URL(googleAuthorizeUrl({ ...opts, authUrl: 'https://accounts.example.test/o/oauth2/v2/auth' }, 'state-xyz'));
    expect(url.origin + url.pathname).toBe('https://accounts.example.test/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      access_type: 'offline',
      prompt: 'consent',
      scope: SCOPES.join(' '),
      state: 'state-xyz',
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
    });
    expect(new URL(googleAuthorizeUrl(opts, 's')).origin).toBe('https://accounts.google.com');
  });

  it('exchanges the code for tokens to store', async () => {
    const before = Date.now();
    const tokens = await exchangeGoogleCode(opts, fake.issueCode());
    expect(tokens.refreshToken).toMatch(/^1\/\//);
    expect(tokens.accessToken).toMatch(/^ya29\./);
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(fake.tokenRequests).toEqual([
      expect.objectContaining({ grant_type: 'authorization_code', client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: client.redirectUri }),
    ]);
  });

  it('treats a spent or forged code as a refused grant', async () => {
    const code = fake.issueCode();
    await exchangeGoogleCode(opts, code);
    await expect(exchangeGoogleCode(opts, code)).rejects.toBeInstanceOf(CalendarAuthRevokedError);
  });

  it('refuses a grant without a refresh token', async () => {
    fake.refreshTokenOnCodeExchange = false;
    await expect(exchangeGoogleCode(opts, fake.issueCode())).rejects.toThrow(/no refresh token/);
  });

  it('refuses a grant where the user unticked a scope', async () => {
    fake.grantedScope = SCOPES[0]!;
    await expect(exchangeGoogleCode(opts, fake.issueCode())).rejects.toThrow(/calendar\.freebusy/);
  });
});

describe('Google calendar provider', () => {
  it('reads busy intervals for the one calendar, whatever offset Google writes them in', async () => {
    fake.busy = [
      { start: '2026-12-01T09:00:00-05:00', end: '2026-12-01T10:00:00-05:00' },
      { start: '2026-12-01T18:30:00Z', end: '2026-12-01T19:00:00Z' },
      { start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z' },
    ];
    const { provider } = connect(undefined, 'team@group.calendar.google.com');
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-02T00:00:00Z');
    await expect(provider.busy(from, to)).resolves.toEqual([
      { start: new Date('2026-12-01T14:00:00Z'), end: new Date('2026-12-01T15:00:00Z') },
      { start: new Date('2026-12-01T18:30:00Z'), end: new Date('2026-12-01T19:00:00Z') },
    ]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/calendar/v3/freeBusy',
      body: { timeMin: from.toISOString(), timeMax: to.toISOString(), items: [{ id: 'team@group.calendar.google.com' }] },
    });
  });

  it('reports a per-calendar error as unavailable, never as free', async () => {
    fake.perCalendarError = 'notFound';
    const { provider } = connect();
    const busy = provider.busy(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));
    await expect(busy).rejects.toBeInstanceOf(CalendarUnavailableError);
    await expect(busy).rejects.toThrow(/notFound/);
  });

  it('creates one event per key, with a base32hex id from the key, in the caller zone, without notifying anyone', async () => {
    const { provider } = connect();
    const id = await provider.createEvent(appointment);
    await expect(provider.createEvent(appointment)).resolves.toBe(id);

    expect(id).toBe(googleEventId(appointment.key));
    expect(id).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(fake.events.size).toBe(1);
    expect(fake.events.get(id)).toMatchObject({
      calendarId: 'primary',
      summary: appointment.summary,
      description: appointment.description,
      start: { dateTime: '2026-12-01T10:00:00-05:00', timeZone: 'America/New_York' },
      end: { dateTime: '2026-12-01T10:30:00-05:00', timeZone: 'America/New_York' },
      extendedProperties: { private: { callgenlyKey: appointment.key } },
    });
    const inserts = fake.requests.filter((r) => r.method === 'POST' && r.path === '/calendar/v3/calendars/primary/events');
    expect(inserts).toHaveLength(2);
    expect(inserts.map((r) => r.query.sendUpdates)).toEqual(['none', 'none']);
    // The event is busy time from then on.
    await expect(provider.busy(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).resolves.toEqual([
      { start: appointment.start, end: appointment.end },
    ]);
  });

  it('moves an event', async () => {
    const { provider } = connect();
    const id = await provider.createEvent(appointment);
    await provider.moveEvent(id, { start: new Date('2026-12-02T17:00:00Z'), end: new Date('2026-12-02T17:45:00Z'), timeZone: 'America/Chicago' });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', path: `/calendar/v3/calendars/primary/events/${id}`, query: { sendUpdates: 'none' } });
    expect(fake.events.get(id)).toMatchObject({
      start: { dateTime: '2026-12-02T11:00:00-06:00', timeZone: 'America/Chicago' },
      end: { dateTime: '2026-12-02T11:45:00-06:00', timeZone: 'America/Chicago' },
    });
  });

  it('deletes an event, and deleting it again (410) or an unknown one (404) succeeds', async () => {
    const { provider } = connect();
    const id = await provider.createEvent(appointment);
    await provider.deleteEvent(id);
    await provider.deleteEvent(id);
    await provider.deleteEvent(googleEventId('apt_unknown'));
    expect(fake.events.get(id)?.status).toBe('cancelled');
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(3);
  });

  it('lets any other refusal surface as a plain error with Google’s message', async () => {
    const { provider } = connect();
    const move = provider.moveEvent(googleEventId('apt_unknown'), { start: appointment.start, end: appointment.end, timeZone: 'UTC' });
    await expect(move).rejects.toThrow(/HTTP 404/);
    await expect(move).rejects.not.toBeInstanceOf(CalendarUnavailableError);
    await expect(move).rejects.not.toBeInstanceOf(CalendarAuthRevokedError);
  });

  it('refreshes an expired access token once and stores the new one, keeping the refresh token', async () => {
    const issued = fake.issueTokens();
    const { provider, stored } = connect({ ...issued, expiresAt: Date.now() - 1000 });
    await provider.busy(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));
    await provider.busy(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'));

    expect(fake.tokenRequests).toEqual([expect.objectContaining({ grant_type: 'refresh_token', refresh_token: issued.refreshToken })]);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual({ refreshToken: issued.refreshToken, accessToken: expect.stringMatching(/^ya29\./), expiresAt: expect.any(Number) });
    expect(stored[0]!.accessToken).not.toBe(issued.accessToken);
    expect(stored[0]!.expiresAt).toBeGreaterThan(Date.now() + 3_000_000);
    expect([bearerOf(0), bearerOf(1)]).toEqual([`Bearer ${stored[0]!.accessToken}`, `Bearer ${stored[0]!.accessToken}`]);
  });

  it('refreshes once when Google rejects an access token we thought valid, then retries', async () => {
    const { provider, stored, tokens } = connect();
    fake.expireAccessTokens();
    const id = await provider.createEvent(appointment);
    expect(fake.events.has(id)).toBe(true);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(stored).toEqual([expect.objectContaining({ refreshToken: tokens.refreshToken })]);
    expect([bearerOf(0), bearerOf(1)]).toEqual([`Bearer ${tokens.accessToken}`, `Bearer ${stored[0]!.accessToken}`]);
  });

  it('reports a revoked grant as CalendarAuthRevokedError', async () => {
    const { provider, stored } = connect();
    fake.revoke();
    await expect(provider.busy(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).rejects.toBeInstanceOf(CalendarAuthRevokedError);
    await expect(provider.createEvent(appointment)).rejects.toBeInstanceOf(CalendarAuthRevokedError);
    expect(fake.tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(stored).toEqual([]);
  });

  it('retries one 503, and reports a second as CalendarUnavailableError', async () => {
    const { provider } = connect();
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-02T00:00:00Z');
    fake.failNext(1, 503);
    await expect(provider.busy(from, to)).resolves.toEqual([]);
    expect(fake.requests).toHaveLength(2);

    fake.failNext(2, 503);
    await expect(provider.createEvent(appointment)).rejects.toBeInstanceOf(CalendarUnavailableError);
    expect(fake.requests).toHaveLength(4);
    expect(fake.events.size).toBe(0);
  });

  it('reports an unreachable Google as CalendarUnavailableError', async () => {
    // Nothing listens on port 1: the connection is refused.
    const provider = createGoogleCalendar({ ...opts, apiRootUrl: 'http://127.0.0.1:1/' }, fake.issueTokens(), async () => {});
    await expect(provider.busy(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).rejects.toBeInstanceOf(CalendarUnavailableError);
  });
});
