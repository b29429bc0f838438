import { createServer, type Server, type ServerResponse } from 'node:http';
import { DateTime } from 'luxon';
import { readBody } from './http';
import type { RecordedRequest } from './googleCalendar';
import { ACCESS_TOKEN_SECONDS, createOAuthGrants, type OAuthClient, type OAuthControls } from './oauthGrants';

/**
 * A local server speaking Microsoft's wire format for what the calendar adapter uses: the identity
 * platform's v2.0 token endpoint (`/{tenant}/oauth2/v2.0/token`, both grants, a new refresh token on
 * every refresh as Microsoft rotates them) and Graph v1.0 `/me/calendarView` (paged through
 * `@odata.nextLink`, times in the zone the `Prefer: outlook.timezone` header asks for, else UTC) and
 * `/me/events` (create deduplicated by `transactionId`, patch, delete). Every Graph call needs a live
 * bearer token.
 */
export interface FakeGraphEvent {
  id: string;
  subject?: string;
  body?: { contentType: string; content: string };
  /** Wall-clock time without offset, in `timeZone` (an IANA name here). */
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  showAs: string;
  isCancelled: boolean;
  transactionId?: string;
}

export interface FakeMicrosoftGraph extends OAuthControls {
  /** The authority to configure (`{base}/common`). */
  authority: string;
  graphBaseUrl: string;
  /** Items calendarView lists besides the fake's own events; times as instants (ISO with offset). */
  calendarItems: Array<{ start: string; end: string; showAs: string; isCancelled?: boolean }>;
  /** Largest page calendarView returns, whatever `$top` asks. */
  pageSize: number;
  events: Map<string, FakeGraphEvent>;
  requests: RecordedRequest[];
  tokenRequests: Array<Record<string, string>>;
  close(): Promise<void>;
}

const GRAPH_DATE_TIME = "yyyy-MM-dd'T'HH:mm:ss.SSS'0000'";

export async function startFakeMicrosoftGraph(client: OAuthClient): Promise<FakeMicrosoftGraph> {
  // Microsoft rotates: every refresh returns a new refresh token, and the old one stays valid until revoked.
  const grants = createOAuthGrants({
    client,
    codePrefix: '0.AX',
    accessPrefix: 'eyJ0eXAi.',
    refreshPrefix: 'M.C5',
    encoding: 'base64url',
    rotateRefreshTokens: true,
    errors: {
      invalidClient: 'AADSTS7000215: Invalid client secret provided.',
      invalidCode: 'AADSTS70000: The provided authorization code is invalid or has expired.',
      invalidRefreshToken: 'AADSTS50173: The provided grant has expired due to it being revoked.',
      unsupportedGrantType: (grantType) => `AADSTS70003: The app requested an unsupported grant type '${grantType}'.`,
    },
  });

  const fake: FakeMicrosoftGraph = {
    authority: '',
    graphBaseUrl: '',
    calendarItems: [],
    pageSize: 10,
    events: new Map(),
    requests: [],
    tokenRequests: [],
    ...grants.controls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (res: ServerResponse, status: number, payload?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(payload === undefined ? undefined : JSON.stringify(payload));
  };
  /** Graph's JSON error envelope. */
  const graphError = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });
  const tokenError = (res: ServerResponse, status: number, error: string, description: string) =>
    send(res, status, { error, error_description: description, error_codes: [], timestamp: new Date().toISOString() });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const form = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded');
    const body: Record<string, unknown> = raw ? (form ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw) as Record<string, unknown>)) : {};

    if (req.method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
      const fields = body as Record<string, string>;
      fake.tokenRequests.push(fields);
      const result = grants.grant(fields);
      if (!result.ok) return tokenError(res, result.status, result.error, result.description);
      return send(res, 200, {
        token_type: 'Bearer',
        scope: 'https://graph.microsoft.com/Calendars.ReadWrite',
        expires_in: ACCESS_TOKEN_SECONDS,
        ext_expires_in: ACCESS_TOKEN_SECONDS,
        access_token: result.accessToken,
        refresh_token: result.refreshToken,
      });
    }

    fake.requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
    if (!grants.authorized(req.headers.authorization)) {
      return graphError(res, 401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    }
    const failure = grants.takeFailure();
    if (failure !== undefined) return graphError(res, failure, 'ServiceUnavailable', 'The service is temporarily unavailable.');

    if (req.method === 'GET' && url.pathname === '/v1.0/me/calendarView') {
      const from = Date.parse(url.searchParams.get('startDateTime') ?? '');
      const to = Date.parse(url.searchParams.get('endDateTime') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to)) return graphError(res, 400, 'ErrorInvalidParameter', 'startDateTime and endDateTime are required.');
      const zone = /outlook\.timezone="([^"]+)"/.exec(String(req.headers.prefer ?? ''))?.[1] ?? 'UTC';
      const own = [...fake.events.values()].map((event) => ({
        start: instantOf(event.start),
        end: instantOf(event.end),
        showAs: event.showAs,
        isCancelled: event.isCancelled,
      }));
      const items = [...fake.calendarItems.map((item) => ({ ...item, start: DateTime.fromISO(item.start), end: DateTime.fromISO(item.end) })), ...own]
        .filter((item) => item.start.toMillis() < to && item.end.toMillis() > from)
        .sort((a, b) => a.start.toMillis() - b.start.toMillis());
      const skip = Number(url.searchParams.get('$skip') ?? 0);
      const top = Math.min(Number(url.searchParams.get('$top') ?? fake.pageSize), fake.pageSize);
      const page = items.slice(skip, skip + top);
      let nextLink: string | undefined;
      if (skip + top < items.length) {
        const next = new URLSearchParams(url.searchParams);
        next.set('$skip', String(skip + top));
        nextLink = `${fake.graphBaseUrl}/v1.0/me/calendarView?${next.toString()}`;
      }
      return send(res, 200, {
        '@odata.context': `${fake.graphBaseUrl}/v1.0/$metadata#users('me')/calendarView(start,end,showAs,isCancelled)`,
        value: page.map((item, index) => ({
          id: `view-${skip + index}`,
          isCancelled: item.isCancelled ?? false,
          showAs: item.showAs,
          start: { dateTime: item.start.setZone(zone).toFormat(GRAPH_DATE_TIME), timeZone: zone },
          end: { dateTime: item.end.setZone(zone).toFormat(GRAPH_DATE_TIME), timeZone: zone },
        })),
        ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
      });
    }

    if (req.method === 'POST' && url.pathname === '/v1.0/me/events') {
      const transactionId = typeof body.transactionId === 'string' ? body.transactionId : undefined;
      const earlier = transactionId === undefined ? undefined : [...fake.events.values()].find((event) => event.transactionId === transactionId);
      if (earlier) return send(res, 201, earlier);
      const input = body as Pick<FakeGraphEvent, 'subject' | 'body' | 'start' | 'end'>;
      if (!instantOf(input.start).isValid || !instantOf(input.end).isValid) {
        return graphError(res, 400, 'TimeZoneNotSupportedException', 'A valid TimeZone value must be specified.');
      }
      const event: FakeGraphEvent = { ...input, id: grants.mint('AAMkAG'), showAs: 'busy', isCancelled: false, transactionId };
      fake.events.set(event.id, event);
      return send(res, 201, event);
    }

    const match = /^\/v1\.0\/me\/events\/([^/]+)$/.exec(url.pathname);
    const existing = match ? fake.events.get(decodeURIComponent(match[1]!)) : undefined;
    if (!existing) return graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (req.method === 'PATCH') {
      Object.assign(existing, body);
      return send(res, 200, existing);
    }
    if (req.method === 'DELETE') {
      fake.events.delete(existing.id);
      return send(res, 204);
    }
    return graphError(res, 405, 'ErrorInvalidRequest', 'Method not allowed.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.authority = `${base}/common`;
  fake.graphBaseUrl = base;
  return fake;
}

/** A Graph dateTimeTimeZone (no offset, wall clock in its zone) as an instant; invalid when unreadable. */
function instantOf(time: { dateTime: string; timeZone: string } | undefined): DateTime {
  if (!time || /[zZ]|[+-]\d{2}:\d{2}$/.test(time.dateTime)) return DateTime.invalid('Graph times carry no offset');
  return DateTime.fromISO(time.dateTime, { zone: time.timeZone });
}
