import { createServer, type Server, type ServerResponse } from 'node:http';
import { readBody } from './http';
import { ACCESS_TOKEN_SECONDS, createOAuthGrants, type OAuthClient, type OAuthControls } from './oauthGrants';

/**
 * A local server speaking Google's wire format for what the calendar adapter uses: the OAuth token
 * endpoint (authorization_code and refresh_token grants, form-encoded, client secret in the body),
 * freeBusy.query, and events insert/patch/delete on `/calendar/v3/calendars/{calendarId}/events`.
 * Every API call needs a live bearer token. Event ids follow Google's rules: base32hex, 5-1024
 * characters, never reused in a calendar (409), and a deleted event answers 410.
 */
export interface FakeGoogleEvent {
  id: string;
  calendarId: string;
  status: 'confirmed' | 'cancelled';
  summary?: string;
  description?: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  extendedProperties?: { private?: Record<string, string> };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON or form fields. */
  body: Record<string, unknown>;
}

export interface FakeGoogleCalendar extends OAuthControls {
  /** Root for `apiRootUrl` (ends with a slash). */
  apiRootUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** Tokens revoked through the revocation endpoint. */
  revokedTokens: string[];
  /** Busy intervals freeBusy reports (besides the fake's own events), as Google writes them (RFC 3339). */
  busy: Array<{ start: string; end: string }>;
  /** When set, freeBusy answers a per-calendar error with this reason (and an empty busy list, as Google does). */
  perCalendarError: string | undefined;
  /** The scope string the token endpoint reports as granted. */
  grantedScope: string;
  /** Google leaves the refresh token out of a code exchange when the user had already consented. */
  refreshTokenOnCodeExchange: boolean;
  events: Map<string, FakeGoogleEvent>;
  requests: RecordedRequest[];
  tokenRequests: Array<Record<string, string>>;
  close(): Promise<void>;
}

const BASE32HEX_ID = /^[a-v0-9]{5,1024}$/;

export async function startFakeGoogleCalendar(client: OAuthClient): Promise<FakeGoogleCalendar> {
  // Google keeps one refresh token per grant: a refresh returns only a new access token.
  const grants = createOAuthGrants({
    client,
    codePrefix: '4/0A',
    accessPrefix: 'ya29.',
    refreshPrefix: '1//',
    encoding: 'hex',
    rotateRefreshTokens: false,
    errors: {
      invalidClient: 'The OAuth client was not found.',
      invalidCode: 'Malformed auth code.',
      invalidRefreshToken: 'Token has been expired or revoked.',
      unsupportedGrantType: (grantType) => `Invalid grant_type: ${grantType}`,
    },
  });

  const fake: FakeGoogleCalendar = {
    apiRootUrl: '',
    tokenUrl: '',
    revokeUrl: '',
    revokedTokens: [],
    busy: [],
    perCalendarError: undefined,
    grantedScope: 'https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy',
    refreshTokenOnCodeExchange: true,
    events: new Map(),
    requests: [],
    tokenRequests: [],
    ...grants.controls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (res: ServerResponse, status: number, payload?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(payload === undefined ? undefined : JSON.stringify(payload));
  };
  /** Google's JSON error envelope for API calls. */
  const apiError = (res: ServerResponse, status: number, reason: string, message: string) =>
    send(res, status, { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const form = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded');
    const body: Record<string, unknown> = raw ? (form ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw) as Record<string, unknown>)) : {};

    if (req.method === 'POST' && url.pathname === '/revoke') {
      // Google ends the whole grant, whichever of its tokens is revoked.
      fake.revokedTokens.push(String(body.token ?? ''));
      grants.controls.revoke();
      return send(res, 200, {});
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const fields = body as Record<string, string>;
      fake.tokenRequests.push(fields);
      const result = grants.grant(fields, { refreshTokenOnCodeExchange: fake.refreshTokenOnCodeExchange });
      if (!result.ok) return send(res, result.status, { error: result.error, error_description: result.description });
      return send(res, 200, {
        access_token: result.accessToken,
        expires_in: ACCESS_TOKEN_SECONDS,
        ...(result.refreshToken ? { refresh_token: result.refreshToken } : {}),
        scope: fake.grantedScope,
        token_type: 'Bearer',
      });
    }

    fake.requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
    if (!grants.authorized(req.headers.authorization)) return apiError(res, 401, 'authError', 'Request had invalid authentication credentials.');
    const failure = grants.takeFailure();
    if (failure !== undefined) return apiError(res, failure, 'backendError', 'Backend Error');

    if (req.method === 'POST' && url.pathname === '/calendar/v3/freeBusy') {
      const timeMin = Date.parse(String(body.timeMin));
      const timeMax = Date.parse(String(body.timeMax));
      const items = (body.items as Array<{ id: string }> | undefined) ?? [];
      const calendars = Object.fromEntries(
        items.map(({ id }) => {
          if (fake.perCalendarError) return [id, { errors: [{ domain: 'global', reason: fake.perCalendarError }], busy: [] }];
          const own = [...fake.events.values()]
            .filter((event) => event.calendarId === id && event.status === 'confirmed')
            .map((event) => ({ start: event.start.dateTime, end: event.end.dateTime }));
          const busy = [...fake.busy, ...own].filter((interval) => Date.parse(interval.start) < timeMax && Date.parse(interval.end) > timeMin);
          return [id, { busy }];
        }),
      );
      return send(res, 200, { kind: 'calendar#freeBusy', timeMin: body.timeMin, timeMax: body.timeMax, calendars });
    }

    const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return apiError(res, 404, 'notFound', 'Not Found');
    const calendarId = decodeURIComponent(match[1]!);
    const eventId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);

    if (req.method === 'POST' && eventId === undefined) {
      const id = typeof body.id === 'string' ? body.id : grants.mint('').slice(0, 26);
      if (!BASE32HEX_ID.test(id)) return apiError(res, 400, 'invalid', 'Invalid resource id value.');
      if (fake.events.has(id)) return apiError(res, 409, 'duplicate', 'The requested identifier already exists.');
      const event = { ...(body as Omit<FakeGoogleEvent, 'id' | 'calendarId' | 'status'>), id, calendarId, status: 'confirmed' as const };
      fake.events.set(id, event);
      return send(res, 200, { kind: 'calendar#event', ...event });
    }
    const existing = eventId === undefined ? undefined : fake.events.get(eventId);
    if (!existing || existing.calendarId !== calendarId) return apiError(res, 404, 'notFound', 'Not Found');
    if (existing.status === 'cancelled') return apiError(res, 410, 'deleted', 'Resource has been deleted');
    if (req.method === 'PATCH') {
      Object.assign(existing, body);
      return send(res, 200, { kind: 'calendar#event', ...existing });
    }
    if (req.method === 'DELETE') {
      existing.status = 'cancelled';
      return send(res, 204);
    }
    return apiError(res, 405, 'methodNotAllowed', 'Method Not Allowed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.apiRootUrl = `${base}/`;
  fake.tokenUrl = `${base}/token`;
  fake.revokeUrl = `${base}/revoke`;
  return fake;
}
