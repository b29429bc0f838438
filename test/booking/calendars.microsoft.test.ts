import { createMicrosoftCalendar, exchangeMicrosoftCode, microsoftAuthorizeUrl, type MicrosoftCalendarOAuth } from '../../src/booking/calendars/microsoft';
import { CalendarAuthRevokedError, CalendarUnavailableError, type CalendarTokens } from '../../src/booking/calendars/provider';
import { appointmentEvent } from '../helpers/calendarEvent';
import { startFakeMicrosoftGraph, type FakeMicrosoftGraph } from '../fakes/microsoftGraph';

/** The real @microsoft/microsoft-graph-client adapter and our token flow against a local fake of Microsoft's wire format. */
const client = {
  clientId: '6f1c2a0e-0000-4000-8000-00000000c0de',
  clientSecret: 'ms~test~secret',
  redirectUri: 'https://app.callgenly.test/calendars/microsoft/callback',
};

let fake: FakeMicrosoftGraph;
let opts: MicrosoftCalendarOAuth;

beforeEach(async () => {
  fake = await startFakeMicrosoftGraph(client);
  opts = { ...client, authority: fake.authority, graphBaseUrl: fake.graphBaseUrl };
});
afterEach(() => fake.close());

function connect(tokens: CalendarTokens = fake.issueTokens()) {
  const stored: CalendarTokens[] = [];
  const provider = createMicrosoftCalendar(opts, tokens, async (fresh) => {
    stored.push(fresh);
  });
  return { provider, stored, tokens };
}

const bearers = () => fake.requests.map((r) => r.headers.authorization);
const day = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };

const appointment = appointmentEvent;

describe('connecting a Microsoft 365 calendar', () => {
  it('sends the admin to the v2.0 authorize endpoint with our client, redirect, state and offline calendar scopes', () => {
    const url = new URL(microsoftAuthorizeUrl(opts, 'state-xyz'));
    expect(url.origin + url.pathname).toBe(`${fake.authority}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: client.clientId,
      response_type: 'code',
      redirect_uri: client.redirectUri,
      response_mode: 'query',
      scope: 'offline_access Calendars.ReadWrite',
      state: 'state-xyz',
      prompt: 'select_account',
    });
    const { authority: _, ...withDefaults } = opts;
    expect(microsoftAuthorizeUrl(withDefaults, 's')).toMatch(/^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/v2\.0\/authorize\?/);
  });

  it('exchanges the code for tokens to store', async () => {
    const before = Date.now();
    const tokens = await exchangeMicrosoftCode(opts, fake.issueCode());
    expect(tokens.refreshToken).toMatch(/^M\.C5/);
    expect(tokens.accessToken).toMatch(/^eyJ0eXAi\./);
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(fake.tokenRequests).toEqual([
      {
        grant_type: 'authorization_code',
        code: expect.any(String),
        redirect_uri: client.redirectUri,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: 'offline_access Calendars.ReadWrite',
      },
    ]);
  });

  it('treats a spent or forged code as a refused grant', async () => {
    await expect(exchangeMicrosoftCode(opts, 'forged')).rejects.toBeInstanceOf(CalendarAuthRevokedError);
  });

  it('reports a wrong client secret as a plain error, not as a revoked grant', async () => {
    const exchange = exchangeMicrosoftCode({ ...opts, clientSecret: 'wrong' }, fake.issueCode());
    await expect(exchange).rejects.toThrow(/invalid_client/);
    await expect(exchange).rejects.not.toBeInstanceOf(CalendarAuthRevokedError);
  });
});

describe('Microsoft 365 calendar provider', () => {
  it('reads busy time from the calendar view, page after page, in UTC; only free and cancelled items leave time open', async () => {
    fake.pageSize = 2;
    fake.calendarItems = [
      { start: '2026-12-01T08:00:00-05:00', end: '2026-12-01T09:00:00-05:00', showAs: 'busy' },
      { start: '2026-12-01T09:00:00-05:00', end: '2026-12-01T09:30:00-05:00', showAs: 'free' },
      { start: '2026-12-01T10:00:00-05:00', end: '2026-12-01T10:30:00-05:00', showAs: 'tentative' },
      { start: '2026-12-01T11:00:00-05:00', end: '2026-12-01T11:30:00-05:00', showAs: 'busy', isCancelled: true },
      { start: '2026-12-01T12:00:00-05:00', end: '2026-12-01T13:00:00-05:00', showAs: 'oof' },
      { start: '2026-12-01T14:00:00-05:00', end: '2026-12-01T15:00:00-05:00', showAs: 'workingElsewhere' },
      { start: '2026-12-01T16:00:00-05:00', end: '2026-12-01T16:15:00-05:00', showAs: 'unknown' },
      { start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z', showAs: 'busy' },
    ];
    const { provider } = connect();
    await expect(provider.busy(day.from, day.to)).resolves.toEqual([
      { start: new Date('2026-12-01T13:00:00Z'), end: new Date('2026-12-01T14:00:00Z') },
      { start: new Date('2026-12-01T15:00:00Z'), end: new Date('2026-12-01T15:30:00Z') },
      { start: new Date('2026-12-01T17:00:00Z'), end: new Date('2026-12-01T18:00:00Z') },
      { start: new Date('2026-12-01T19:00:00Z'), end: new Date('2026-12-01T20:00:00Z') },
      { start: new Date('2026-12-01T21:00:00Z'), end: new Date('2026-12-01T21:15:00Z') },
    ]);
    // Seven items in the window, two a page.
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests.map((r) => [r.method, r.path, r.query.$skip])).toEqual([
      ['GET', '/v1.0/me/calendarView', undefined],
      ['GET', '/v1.0/me/calendarView', '2'],
      ['GET', '/v1.0/me/calendarView', '4'],
      ['GET', '/v1.0/me/calendarView', '6'],
    ]);
    for (const request of fake.requests) {
      expect(request.headers.prefer).toBe('outlook.timezone="UTC"');
      expect(request.query).toMatchObject({
        startDateTime: day.from.toISOString(),
        endDateTime: day.to.toISOString(),
        $select: 'start,end,showAs,isCancelled',
      });
    }
  });

  it('creates one event per key (Graph transactionId), at the wall-clock time in the event zone', async () => {
    const { provider } = connect();
    const id = await provider.createEvent(appointment);
    await expect(provider.createEvent(appointment)).resolves.toBe(id);

    expect(fake.events.size).toBe(1);
    expect(fake.events.get(id)).toMatchObject({
      subject: appointment.summary,
      body: { contentType: 'text', content: appointment.description },
      start: { dateTime: '2026-12-01T10:00:00', timeZone: 'America/New_York' },
      end: { dateTime: '2026-12-01T10:30:00', timeZone: 'America/New_York' },
      transactionId: appointment.key,
    });
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1.0/me/events')).toHaveLength(2);
    await expect(provider.busy(day.from, day.to)).resolves.toEqual([{ start: appointment.start, end: appointment.end }]);
  });

  it('moves an event', async () => {
    const { provider } = connect();
    const id = await provider.createEvent(appointment);
    await provider.moveEvent(id, { start: new Date('2026-12-02T17:00:00Z'), end: new Date('2026-12-02T17:45:00Z'), timeZone: 'America/Chicago' });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', path: `/v1.0/me/events/${id}` });
    expect(fake.events.get(id)).toMatchObject({
      start: { dateTime: '2026-12-02T11:00:00', timeZone: 'America/Chicago' },
      end: { dateTime: '2026-12-02T11:45:00', timeZone: 'America/Chicago' },
    });
  });

  it('deletes an event, and deleting it again (404) succeeds', async () => {
    const { provider } = connect();
    const id = await provider.createEvent(appointment);
    await provider.deleteEvent(id);
    await provider.deleteEvent(id);
    expect(fake.events.size).toBe(0);
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/v1.0/me/events/${id}`, `/v1.0/me/events/${id}`]);
  });

  it('lets any other refusal surface as a plain error with Graph’s message', async () => {
    const { provider } = connect();
    const move = provider.moveEvent('AAMkAGunknown', { start: appointment.start, end: appointment.end, timeZone: 'UTC' });
    await expect(move).rejects.toThrow(/HTTP 404 ErrorItemNotFound/);
    await expect(move).rejects.not.toBeInstanceOf(CalendarUnavailableError);
    await expect(move).rejects.not.toBeInstanceOf(CalendarAuthRevokedError);
  });

  it('refreshes an access token within a minute of expiry before use, and stores the rotated refresh token', async () => {
    const issued = fake.issueTokens();
    const { provider, stored } = connect({ ...issued, expiresAt: Date.now() + 30_000 });
    await provider.busy(day.from, day.to);
    await provider.busy(day.from, day.to);

    expect(fake.tokenRequests).toEqual([
      {
        grant_type: 'refresh_token',
        refresh_token: issued.refreshToken,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: 'offline_access Calendars.ReadWrite',
      },
    ]);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.refreshToken).toMatch(/^M\.C5/);
    expect(stored[0]!.refreshToken).not.toBe(issued.refreshToken);
    expect(stored[0]!.accessToken).not.toBe(issued.accessToken);
    expect(stored[0]!.expiresAt).toBeGreaterThan(Date.now() + 3_000_000);
    expect(bearers()).toEqual([`Bearer ${stored[0]!.accessToken}`, `Bearer ${stored[0]!.accessToken}`]);
  });

  it('fetches an access token when it has none', async () => {
    const { provider, stored } = connect({ refreshToken: fake.issueTokens().refreshToken });
    await provider.busy(day.from, day.to);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(bearers()).toEqual([`Bearer ${stored[0]!.accessToken}`]);
  });

  it('refreshes once when Graph rejects a token we thought valid, retries, and refreshes next time with the rotated token', async () => {
    const { provider, stored, tokens } = connect();
    fake.expireAccessTokens();
    const id = await provider.createEvent(appointment);
    expect(fake.events.has(id)).toBe(true);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(stored).toHaveLength(1);
    expect(bearers()).toEqual([`Bearer ${tokens.accessToken}`, `Bearer ${stored[0]!.accessToken}`]);

    fake.expireAccessTokens();
    await provider.deleteEvent(id);
    expect(fake.tokenRequests[1]).toMatchObject({ grant_type: 'refresh_token', refresh_token: stored[0]!.refreshToken });
    expect(stored).toHaveLength(2);
    expect(fake.events.size).toBe(0);
  });

  it('reports a revoked grant as CalendarAuthRevokedError', async () => {
    const { provider, stored } = connect();
    fake.revoke();
    await expect(provider.busy(day.from, day.to)).rejects.toBeInstanceOf(CalendarAuthRevokedError);
    await expect(provider.createEvent(appointment)).rejects.toBeInstanceOf(CalendarAuthRevokedError);
    expect(fake.tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(stored).toEqual([]);
  });

  it('retries one 503, and reports a second as CalendarUnavailableError', async () => {
    const { provider } = connect();
    fake.failNext(1, 503);
    await expect(provider.busy(day.from, day.to)).resolves.toEqual([]);
    expect(fake.requests).toHaveLength(2);

    fake.failNext(2, 503);
    await expect(provider.createEvent(appointment)).rejects.toBeInstanceOf(CalendarUnavailableError);
    expect(fake.requests).toHaveLength(4);
    expect(fake.events.size).toBe(0);
  });

  it('reports an unreachable Graph as CalendarUnavailableError', async () => {
    // Nothing listens on port 1: the connection is refused.
    const provider = createMicrosoftCalendar({ ...opts, graphBaseUrl: 'http://127.0.0.1:1' }, fake.issueTokens(), async () => {});
    await expect(provider.busy(day.from, day.to)).rejects.toBeInstanceOf(CalendarUnavailableError);
  });
});
