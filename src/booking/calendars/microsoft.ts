import {
  Client,
  GraphError,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
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
 * Microsoft 365 calendars through Microsoft Graph, for the user who connected them (delegated access).
 *
 * OAuth is the plain authorization-code + refresh-token flow against the identity platform's v2.0
 * endpoints, not MSAL: we store each organization's refresh token encrypted in our own database, and
 * MSAL keeps refresh tokens inside its cache without handing them out.
 */
export interface MicrosoftCalendarOAuth {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Default https://login.microsoftonline.com/common (work, school and personal accounts). */
  authority?: string;
  /** Default https://graph.microsoft.com */
  graphBaseUrl?: string;
}

/** offline_access is what makes the token endpoint issue a refresh token. */
export const MICROSOFT_CALENDAR_SCOPES = ['offline_access', 'Calendars.ReadWrite'];

const TIMEOUT_MS = 10_000;
/** An access token with less than this left is refreshed before use. */
const EXPIRY_MARGIN_MS = 60_000;
/** A longer Retry-After than this fails the call now; the caller retries later. */
const MAX_RETRY_AFTER_S = 5;
const PAGE_SIZE = 100;
/** A calendar view longer than this many pages is a server fault, not a calendar. */
const MAX_PAGES = 50;

/**
 * `showAs` values that leave the time free. Everything else blocks it: busy, tentative, oof,
 * workingElsewhere (the owner is away from where appointments happen), unknown, and any status Graph
 * adds later, since an unknown status must never read as free.
 */
const FREE_STATUSES = new Set(['free']);

function authority(opts: MicrosoftCalendarOAuth): string {
  return (opts.authority ?? 'https://login.microsoftonline.com/common').replace(/\/+$/, '');
}

/** Where to send the admin to connect a calendar; `state` comes back on the redirect. */
export function microsoftAuthorizeUrl(opts: MicrosoftCalendarOAuth, state: string): string {
  const url = new URL(`${authority(opts)}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: opts.clientId,
    response_type: 'code',
    redirect_uri: opts.redirectUri,
    response_mode: 'query',
    scope: MICROSOFT_CALENDAR_SCOPES.join(' '),
    state,
    // Lets the admin pick which account's calendar to connect rather than the one signed in.
    prompt: 'select_account',
  }).toString();
  return url.toString();
}

/** Exchanges the code from the redirect for tokens to store. */
export function exchangeMicrosoftCode(opts: MicrosoftCalendarOAuth, code: string): Promise<CalendarTokens> {
  return requestTokens(opts, { grant_type: 'authorization_code', code, redirect_uri: opts.redirectUri }, 'exchanging the authorization code');
}

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().min(1).optional(),
});
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });
/** Both mean the grant is gone (revoked, expired, password reset, new MFA policy) until someone signs in again. */
const GRANT_LOST = new Set(['invalid_grant', 'interaction_required']);

async function requestTokens(
  opts: MicrosoftCalendarOAuth,
  grant: Record<string, string>,
  what: string,
  currentRefreshToken?: string,
): Promise<CalendarTokens> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${authority(opts)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: opts.clientId, client_secret: opts.clientSecret, scope: MICROSOFT_CALENDAR_SCOPES.join(' '), ...grant }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = response.status;
    text = await response.text();
  } catch (e) {
    throw new CalendarUnavailableError(`Microsoft's token endpoint did not answer while ${what}: ${errorMessage(e)}`);
  }
  const body = parseJson(text);
  if (status < 200 || status >= 300) {
    const error = oauthError.safeParse(body);
    const detail = error.success ? `${error.data.error}: ${error.data.error_description ?? ''}` : text.slice(0, 200);
    if (error.success && GRANT_LOST.has(error.data.error)) throw new CalendarAuthRevokedError(`Microsoft refused the grant while ${what}: ${detail}`);
    if (status === 429 || status >= 500) throw new CalendarUnavailableError(`Microsoft's token endpoint failed while ${what} (HTTP ${status}): ${detail}`);
    throw new Error(`Microsoft's token endpoint refused ${what} (HTTP ${status}): ${detail}`);
  }
  const tokens = tokenAnswer.safeParse(body);
  if (!tokens.success) throw new Error(`Microsoft's token answer is malformed: ${z.prettifyError(tokens.error)}`);
  // Microsoft usually rotates the refresh token; keep the one we have when it does not.
  const refreshToken = tokens.data.refresh_token ?? currentRefreshToken;
  if (!refreshToken) throw new Error('Microsoft returned no refresh token; the scopes must include offline_access');
  return { refreshToken, accessToken: tokens.data.access_token, expiresAt: Date.now() + tokens.data.expires_in * 1000 };
}

/** The connection's tokens: refreshed when missing or about to expire, one refresh at a time, each new set stored before use. */
class TokenSession {
  private refreshing?: Promise<void>;

  constructor(
    private readonly opts: MicrosoftCalendarOAuth,
    private tokens: CalendarTokens,
    private readonly onTokens: (tokens: CalendarTokens) => Promise<void>,
  ) {}

  get accessToken(): string | undefined {
    return this.tokens.accessToken;
  }

  /** Makes sure a usable access token is at hand; true when that took a refresh. */
  async ensureFresh(): Promise<boolean> {
    const { accessToken, expiresAt } = this.tokens;
    if (accessToken && expiresAt !== undefined && expiresAt - EXPIRY_MARGIN_MS > Date.now()) return false;
    await this.refresh();
    return true;
  }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const grant = { grant_type: 'refresh_token', refresh_token: this.tokens.refreshToken };
      const tokens = await requestTokens(this.opts, grant, 'refreshing the access token', this.tokens.refreshToken);
      await this.onTokens(tokens);
      this.tokens = tokens;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}

/**
 * Sets the bearer token and a timeout on each attempt. The SDK's own AuthenticationHandler skips
 * non-https hosts, so it would send no token to a local fake; this one always does. It runs after the
 * RetryHandler, so a retry gets a fresh deadline.
 */
class AttemptHandler implements Middleware {
  private next?: Middleware;

  constructor(private readonly session: TokenSession) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const headers = new Headers(context.options?.headers);
    headers.set('Authorization', `Bearer ${this.session.accessToken ?? ''}`);
    context.options = { ...context.options, headers, signal: AbortSignal.timeout(TIMEOUT_MS) };
    if (!this.next) throw new Error('AttemptHandler has no next middleware');
    await this.next.execute(context);
  }
}

function graphClient(baseUrl: string, session: TokenSession): Client {
  // One retry of 429/503/504 (every request we send is idempotent), unless Graph asks for a long wait.
  const retry = new RetryHandler(
    new RetryHandlerOptions(0, 1, (_delay, _attempt, _request, _options, response) => {
      const after = Number(response.headers.get('retry-after') ?? 0);
      return Number.isFinite(after) && after <= MAX_RETRY_AFTER_S;
    }),
  );
  const attempt = new AttemptHandler(session);
  retry.setNext(attempt);
  attempt.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({ middleware: retry, baseUrl, defaultVersion: 'v1.0' });
}

export function createMicrosoftCalendar(
  opts: MicrosoftCalendarOAuth,
  tokens: CalendarTokens,
  onTokens: (tokens: CalendarTokens) => Promise<void>,
): CalendarProvider {
  const baseUrl = (opts.graphBaseUrl ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  const session = new TokenSession(opts, tokens, onTokens);
  const client = graphClient(baseUrl, session);

  /** Runs a Graph call with a fresh token; a 401 on a token we had not just obtained earns one refresh and one retry. */
  async function run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      const justRefreshed = await session.ensureFresh();
      try {
        return await op();
      } catch (e) {
        if (justRefreshed || !(e instanceof GraphError && e.statusCode === 401)) throw e;
        await session.refresh();
        return await op();
      }
    } catch (e) {
      throw graphError(e, what);
    }
  }

  /** nextLink is absolute; the SDK only strips https hosts, so we hand it the path, and only for our own Graph host. */
  const pathOf = (nextLink: string): string => {
    const prefix = `${baseUrl}/v1.0/`;
    if (!nextLink.startsWith(prefix)) throw new CalendarUnavailableError(`Graph's next page link points outside ${baseUrl}: ${nextLink}`);
    return `/${nextLink.slice(prefix.length)}`;
  };

  return {
    busy: (from, to) =>
      run('reading the calendar view', async () => {
        // UTC answers, so each dateTime (which carries no offset) reads unambiguously.
        const prefer = 'outlook.timezone="UTC"';
        let page = await client
          .api('/me/calendarView')
          .header('Prefer', prefer)
          .query({ startDateTime: from.toISOString(), endDateTime: to.toISOString() })
          .select(['start', 'end', 'showAs', 'isCancelled'])
          .top(PAGE_SIZE)
          .get();
        const busy: BusyInterval[] = [];
        for (let pages = 1; ; pages += 1) {
          const view = parseCalendarView(page);
          busy.push(...view.value.filter((item) => !item.isCancelled && !FREE_STATUSES.has(item.showAs)).map(({ start, end }) => ({ start, end })));
          const next = view['@odata.nextLink'];
          if (!next) return busy;
          if (pages >= MAX_PAGES) throw new CalendarUnavailableError(`Graph's calendar view ran past ${MAX_PAGES} pages`);
          page = await client.api(pathOf(next)).header('Prefer', prefer).get();
        }
      }),

    createEvent: (event) =>
      run('creating an event', async () => {
        const created: unknown = await client.api('/me/events').post({
          subject: event.summary,
          ...(event.description ? { body: { contentType: 'text', content: event.description } } : {}),
          start: graphTime(event.start, event.timeZone),
          end: graphTime(event.end, event.timeZone),
          // Graph's idempotency key for creates: a retried POST returns the event the first one made.
          transactionId: event.key,
        });
        const parsed = z.object({ id: z.string().min(1) }).safeParse(created);
        if (!parsed.success) throw new Error('Graph created an event but returned no id');
        return parsed.data.id;
      }),

    moveEvent: (eventId, change) =>
      run('moving an event', async () => {
        await client.api(`/me/events/${encodeURIComponent(eventId)}`).patch({
          start: graphTime(change.start, change.timeZone),
          end: graphTime(change.end, change.timeZone),
        });
      }),

    deleteEvent: (eventId) =>
      run('deleting an event', async () => {
        try {
          await client.api(`/me/events/${encodeURIComponent(eventId)}`).delete();
        } catch (e) {
          if (!(e instanceof GraphError && (e.statusCode === 404 || e.statusCode === 410))) throw e;
        }
      }),
  };
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$/;

/** Graph's dateTimeTimeZone: a wall-clock time without offset, read in the zone beside it. */
const graphInstant = z.object({ dateTime: z.string(), timeZone: z.string() }).transform((value, ctx) => {
  const time = LOCAL_DATE_TIME.test(value.dateTime) ? DateTime.fromISO(value.dateTime, { zone: value.timeZone }) : undefined;
  if (!time?.isValid) {
    ctx.addIssue({ code: 'custom', message: `unreadable time ${value.dateTime} in zone ${value.timeZone}` });
    return z.NEVER;
  }
  return time.toJSDate();
});

const calendarView = z.object({
  value: z.array(z.object({ start: graphInstant, end: graphInstant, showAs: z.string(), isCancelled: z.boolean().optional() })),
  '@odata.nextLink': z.string().optional(),
});

function parseCalendarView(page: unknown): z.infer<typeof calendarView> {
  const parsed = calendarView.safeParse(page);
  if (!parsed.success) throw new CalendarUnavailableError(`Graph's calendar view is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The event's wall-clock time in its own zone, so Outlook shows it as the caller booked it. */
function graphTime(date: Date, timeZone: string): { dateTime: string; timeZone: string } {
  const local = DateTime.fromJSDate(date, { zone: timeZone });
  if (!local.isValid) throw new Error(`unknown time zone ${timeZone}`);
  return { dateTime: local.toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone };
}

/** Maps a failure to the provider contract: revoked grant, unavailable (retry later), or a plain error with Graph's message. */
function graphError(e: unknown, what: string): Error {
  if (!(e instanceof GraphError)) return e instanceof Error ? e : new Error(String(e));
  const status = e.statusCode;
  // No HTTP answer at all: network failure or our timeout.
  if (status === -1) return new CalendarUnavailableError(`Microsoft Graph did not answer while ${what}: ${e.code ?? ''} ${e.message}`.trim());
  if (status === 401) return new CalendarAuthRevokedError(`Microsoft Graph refused our access token while ${what}, even after a refresh`);
  if (status === 429 || status >= 500) return new CalendarUnavailableError(`Microsoft Graph failed while ${what} (HTTP ${status} ${e.code ?? ''}): ${e.message}`);
  return new Error(`Microsoft Graph refused ${what} (HTTP ${status} ${e.code ?? ''}): ${e.message}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
