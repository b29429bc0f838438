import { calendar } from '@googleapis/calendar';
import { OAuth2Client, type Credentials } from 'google-auth-library';
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  CalendarAuthRevokedError,
  CalendarUnavailableError,
  type BusyInterval,
  type CalendarProvider,
  type CalendarTokens,
} from './provider';

/**
 * Google Calendar through `@googleapis/calendar`, with google-auth-library's OAuth2Client holding the
 * connection's tokens: it refreshes the access token itself (before expiry, and once more on a 401),
 * and we persist whatever it obtains.
 */
export interface GoogleCalendarOAuth {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Default https://www.googleapis.com/ */
  apiRootUrl?: string;
  /** Default https://oauth2.googleapis.com/token */
  tokenUrl?: string;
  /** Default https://accounts.google.com/o/oauth2/v2/auth */
  authUrl?: string;
  /** Default https://oauth2.googleapis.com/revoke */
  revokeUrl?: string;
}

/**
 * Ends the grant behind a refresh token at Google (its OAuth revocation endpoint), so the token is worthless
 * wherever a copy is. A token Google no longer knows (already revoked, expired) counts as revoked.
 */
export async function revokeGoogleToken(options: Pick<GoogleCalendarOAuth, 'revokeUrl'>, token: string): Promise<void> {
  const response = await fetch(options.revokeUrl ?? 'https://oauth2.googleapis.com/revoke', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
    signal: AbortSignal.timeout(15_000),
  });
  if (response.ok || response.status === 400) return;
  throw new Error(`Google did not revoke the token: HTTP ${response.status}`);
}

/**
 * The least we need: events on the user's calendars, and free/busy, which `calendar.events` does not
 * grant (freeBusy.query accepts only calendar, calendar.readonly, calendar.freebusy or
 * calendar.events.freebusy).
 */
export const GOOGLE_CALENDAR_SCOPES = [
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.freebusy',
];

/** Deadline for a request to Google (token or API). */
const TIMEOUT_MS = 10_000;

function oauthClient(opts: GoogleCalendarOAuth): OAuth2Client {
  return new OAuth2Client({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    redirectUri: opts.redirectUri,
    // Only the endpoints given: an undefined one would override the library's default.
    endpoints: {
      ...(opts.tokenUrl ? { oauth2TokenUrl: opts.tokenUrl } : {}),
      ...(opts.authUrl ? { oauth2AuthBaseUrl: opts.authUrl } : {}),
    },
    // Without this a 401 is only retried when no expiry is known; a token revoked or rotated early
    // must also get one refresh before we call the grant dead.
    forceRefreshOnFailure: true,
    transporterOptions: {
      // Node's own fetch: gaxios would otherwise import node-fetch (ESM) dynamically, which jest's
      // CommonJS sandbox cannot do.
      fetchImplementation: fetch,
      timeout: TIMEOUT_MS,
      // One retry of 5xx, 429 and no answer, for every method: each request we send is idempotent
      // (creates carry our own event id, patches set absolute times).
      retryConfig: { retry: 1, noResponseRetries: 1, httpMethodsToRetry: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] },
    },
  });
}

/** Where to send the admin to connect a calendar; `state` comes back on the redirect. */
export function googleAuthorizeUrl(opts: GoogleCalendarOAuth, state: string): string {
  // offline + consent: Google issues a refresh token only on (re)consent.
  return oauthClient(opts).generateAuthUrl({ access_type: 'offline', prompt: 'consent', scope: GOOGLE_CALENDAR_SCOPES, state });
}

/** Exchanges the code from the redirect for tokens to store; refuses a grant without a refresh token or without every scope. */
export async function exchangeGoogleCode(opts: GoogleCalendarOAuth, code: string): Promise<CalendarTokens> {
  let tokens: Credentials;
  try {
    ({ tokens } = await oauthClient(opts).getToken(code));
  } catch (e) {
    throw googleError(e, 'exchanging the authorization code');
  }
  if (!tokens.refresh_token) {
    throw new Error('Google returned no refresh token; the consent URL must ask for access_type=offline and prompt=consent');
  }
  // Google's consent screen lets the user untick scopes; without both, booking would fail later.
  const granted = new Set((tokens.scope ?? '').split(' '));
  const missing = GOOGLE_CALENDAR_SCOPES.filter((scope) => !granted.has(scope));
  if (missing.length) throw new Error(`Google granted calendar access without ${missing.join(', ')}; reconnect and allow every permission`);
  return fromCredentials(tokens, tokens.refresh_token);
}

/**
 * Google event ids must be base32hex ([a-v0-9]), 5 to 1024 characters, unique in the calendar. Our key
 * (`apt_` + a lowercase ULID, whose alphabet reaches past `v`) does not fit, so the id is the lowercase
 * hex of the key's UTF-8 bytes: deterministic, reversible, and hex is a subset of base32hex.
 */
export function googleEventId(key: string): string {
  return Buffer.from(key, 'utf8').toString('hex');
}

export function createGoogleCalendar(
  opts: GoogleCalendarOAuth & { calendarId?: string },
  tokens: CalendarTokens,
  onTokens: (tokens: CalendarTokens) => Promise<void>,
): CalendarProvider {
  const calendarId = opts.calendarId ?? 'primary';
  const auth = oauthClient(opts);
  auth.setCredentials({ refresh_token: tokens.refreshToken, access_token: tokens.accessToken, expiry_date: tokens.expiresAt });
  const api = calendar({ version: 'v3', auth, rootUrl: withSlash(opts.apiRootUrl ?? 'https://www.googleapis.com/') });

  // The library announces refreshed tokens with a synchronous event; we persist them when the call
  // that caused the refresh settles, so the caller waits for the write.
  let refreshToken = tokens.refreshToken;
  let refreshed: CalendarTokens | undefined;
  auth.on('tokens', (fresh) => {
    refreshToken = fresh.refresh_token ?? refreshToken;
    refreshed = fromCredentials(fresh, refreshToken);
  });

  async function run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw googleError(e, what);
    } finally {
      const toStore = refreshed;
      refreshed = undefined;
      if (toStore) await onTokens(toStore);
    }
  }

  const at = (date: Date, timeZone: string) => ({ dateTime: zoned(date, timeZone), timeZone });

  return {
    busy: (from, to) =>
      run('reading free/busy', async () => {
        const { data } = await api.freebusy.query({
          requestBody: { timeMin: from.toISOString(), timeMax: to.toISOString(), items: [{ id: calendarId }] },
        });
        return busyFrom(data, calendarId);
      }),

    createEvent: (event) =>
      run('creating an event', async () => {
        const id = googleEventId(event.key);
        try {
          await api.events.insert({
            calendarId,
            sendUpdates: 'none',
            requestBody: {
              id,
              summary: event.summary,
              description: event.description,
              start: at(event.start, event.timeZone),
              end: at(event.end, event.timeZone),
              extendedProperties: { private: { callgenlyKey: event.key } },
            },
          });
        } catch (e) {
          // A retry after a create whose answer was lost: the event is there under our id.
          if (httpFailure(e)?.status !== 409) throw e;
        }
        return id;
      }),

    moveEvent: (eventId, change) =>
      run('moving an event', async () => {
        await api.events.patch({
          calendarId,
          eventId,
          sendUpdates: 'none',
          requestBody: { start: at(change.start, change.timeZone), end: at(change.end, change.timeZone) },
        });
      }),

    deleteEvent: (eventId) =>
      run('deleting an event', async () => {
        try {
          await api.events.delete({ calendarId, eventId, sendUpdates: 'none' });
        } catch (e) {
          const status = httpFailure(e)?.status;
          if (status !== 404 && status !== 410) throw e;
        }
      }),
  };
}

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const freeBusyAnswer = z.object({
  calendars: z.record(
    z.string(),
    z.object({
      busy: z.array(z.object({ start: instant, end: instant })).optional(),
      errors: z.array(z.object({ domain: z.string().optional(), reason: z.string().optional() })).optional(),
    }),
  ),
});

/** Busy time for our calendar from a freeBusy answer; anything short of a clean answer is "unknown", never "free". */
function busyFrom(data: unknown, calendarId: string): BusyInterval[] {
  const parsed = freeBusyAnswer.safeParse(data);
  if (!parsed.success) throw new CalendarUnavailableError(`Google's free/busy answer is malformed: ${z.prettifyError(parsed.error)}`);
  const entries = Object.values(parsed.data.calendars);
  // Keyed by the id we asked for; with one calendar asked, a lone entry under another key is still ours.
  const entry = parsed.data.calendars[calendarId] ?? (entries.length === 1 ? entries[0] : undefined);
  if (!entry) throw new CalendarUnavailableError(`Google's free/busy answer has no entry for calendar ${calendarId}`);
  if (entry.errors?.length) {
    const reasons = entry.errors.map((error) => error.reason ?? 'unknown').join(', ');
    throw new CalendarUnavailableError(`Google cannot tell when calendar ${calendarId} is busy (${reasons})`);
  }
  if (!entry.busy) throw new CalendarUnavailableError(`Google's free/busy answer for calendar ${calendarId} has no busy list`);
  return entry.busy;
}

function fromCredentials(credentials: Credentials, refreshToken: string): CalendarTokens {
  return { refreshToken, accessToken: credentials.access_token ?? undefined, expiresAt: credentials.expiry_date ?? undefined };
}

/** The local time in the event's zone, with its offset, so Google shows it as the caller booked it. */
function zoned(date: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(date, { zone: timeZone });
  if (!local.isValid) throw new Error(`unknown time zone ${timeZone}`);
  return local.toISO({ suppressMilliseconds: true });
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

interface HttpFailure {
  status?: number;
  data?: unknown;
}

/**
 * The status and body of a failed request, from a gaxios error. Matched by shape: the Google packages
 * each bundle their own gaxios copy, and `instanceof` fails across copies.
 */
function httpFailure(e: unknown): HttpFailure | undefined {
  if (!(e instanceof Error) || !('config' in e)) return undefined;
  const response: unknown = 'response' in e ? e.response : undefined;
  if (typeof response !== 'object' || response === null) return {};
  const status = 'status' in response && typeof response.status === 'number' ? response.status : undefined;
  return { status, data: 'data' in response ? response.data : undefined };
}

const oauthErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });
const apiErrorBody = z.object({
  error: z.object({ message: z.string().optional(), errors: z.array(z.object({ reason: z.string().optional() })).optional() }),
});
const RATE_LIMITED = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** Maps a failure to the provider contract: revoked grant, unavailable (retry later), or a plain error with Google's message. */
function googleError(e: unknown, what: string): Error {
  if (e instanceof CalendarAuthRevokedError || e instanceof CalendarUnavailableError) return e;
  const failure = httpFailure(e);
  if (!failure) return e instanceof Error ? e : new Error(String(e));
  const message = e instanceof Error ? e.message : String(e);
  const oauth = oauthErrorBody.safeParse(failure.data);
  if (oauth.success && oauth.data.error === 'invalid_grant') {
    return new CalendarAuthRevokedError(`Google refused the grant while ${what}: ${oauth.data.error_description ?? 'invalid_grant'}`);
  }
  const { status } = failure;
  if (status === undefined) return new CalendarUnavailableError(`Google did not answer while ${what}: ${message}`);
  // The client has already refreshed the token once and retried: the grant no longer works.
  if (status === 401) return new CalendarAuthRevokedError(`Google refused our access token while ${what}, even after a refresh`);
  const api = apiErrorBody.safeParse(failure.data);
  const rateLimited = status === 403 && api.success && (api.data.error.errors ?? []).some((error) => RATE_LIMITED.has(error.reason ?? ''));
  if (status === 429 || status >= 500 || rateLimited) return new CalendarUnavailableError(`Google Calendar failed while ${what} (HTTP ${status}): ${message}`);
  return new Error(`Google Calendar refused ${what} (HTTP ${status}): ${message}`);
}
