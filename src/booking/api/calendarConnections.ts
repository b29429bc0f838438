import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { actorOf } from '../../accounts/auth/context';
import { REVOKED_CONNECTION, tokenColumns } from '../calendars/resolver';
import { exchangeGoogleCode, googleAuthorizeUrl } from '../calendars/google';
import { exchangeMicrosoftCode, microsoftAuthorizeUrl } from '../calendars/microsoft';
import { CalendarAuthRevokedError, type CalendarTokens } from '../calendars/provider';
import { newId } from '../../platform/db/ids';
import { withTenant } from '../../platform/db/tenancy';
import { consoleUrl } from '../../platform/http/console';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, Timestamp } from '../../platform/http/v1/schemas';

const STATE_TTL_MS = 10 * 60_000;
const Provider = z.enum(['google', 'microsoft']);
type ProviderName = z.infer<typeof Provider>;

const Connection = z
  .object({ id: z.string(), provider: Provider, status: z.enum(['active', 'broken', 'revoked']), lastError: z.string().nullable(), createdAt: Timestamp })
  .meta({ id: 'CalendarConnection' });
const toConnection = (c: { id: string; provider: ProviderName; status: 'active'; last_error: string | null; created_at: Date }): z.input<typeof Connection> => ({
  id: c.id,
  provider: c.provider,
  status: c.status,
  lastError: c.last_error,
  createdAt: iso(c.created_at)!,
});

/** The OAuth steps of each provider, for the clients this deployment configured. */
function oauthFor(deps: V1Deps, provider: ProviderName) {
  const google = deps.config.calendars.google;
  const microsoft = deps.config.calendars.microsoft;
  if (provider === 'google' && google) return { url: (state: string) => googleAuthorizeUrl(google, state), exchange: (code: string) => exchangeGoogleCode(google, code) };
  if (provider === 'microsoft' && microsoft) return { url: (state: string) => microsoftAuthorizeUrl(microsoft, state), exchange: (code: string) => exchangeMicrosoftCode(microsoft, code) };
  throw new ApiError(404, 'calendar_not_configured', `${provider} calendars are not configured on this server`);
}

export const calendarConnectionRoutes = [
  defineRoute({
    method: 'get',
    path: '/calendar-connections',
    operationId: 'listCalendarConnections',
    summary: "The organization's calendar connections; a broken one needs reconnecting (bookings use the built-in calendar meanwhile)",
    tag: 'Booking',
    access: 'member',
    response: { schema: z.object({ data: z.array(Connection) }).meta({ id: 'CalendarConnectionList' }), description: 'Every connection' },
    handle: ({ auth, deps }) =>
      withTenant(deps.db, auth.orgId, async (trx) => ({ data: (await trx('calendar_connections').orderBy('created_at', 'desc')).map(toConnection) })),
  }),

  defineRoute({
    method: 'post',
    path: '/calendar-connections/{provider}/authorize',
    operationId: 'authorizeCalendar',
    summary: "Start connecting a Google or Microsoft calendar: open the returned URL in a browser and consent",
    tag: 'Booking',
    access: 'admin',
    params: z.object({ provider: Provider }),
    response: { schema: z.object({ url: z.url() }).meta({ id: 'CalendarAuthorization' }), description: "The provider's consent page" },
    errors: [404],
    async handle({ auth, deps, params }) {
      const oauth = oauthFor(deps, params.provider);
      // The signed state names a row that the callback consumes: each consent URL works once.
      const nonce = randomBytes(16).toString('hex');
      await deps.db('oauth_states').insert({ nonce, org_id: auth.orgId, expires_at: new Date(Date.now() + STATE_TTL_MS) });
      const state = await deps.tokens.sign('calendar-state', { orgId: auth.orgId, provider: params.provider, nonce, ...actorOf(auth) }, STATE_TTL_MS);
      return { url: oauth.url(state) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/calendar-connections/{provider}/callback',
    operationId: 'finishCalendarConnection',
    summary: 'Where the provider sends the browser back: stores the (encrypted) tokens; the new connection replaces any older one',
    tag: 'Booking',
    access: 'public',
    raw: true,
    params: z.object({ provider: Provider }),
    query: z.object({ state: z.string().max(2000), code: z.string().max(4000).optional(), error: z.string().max(200).optional() }),
    response: { status: 201, schema: Connection, description: "The connection; a browser is sent (303) to the console's booking settings instead, with the outcome in the query" },
    errors: [400, 404],
    async handle(ctx) {
      const { deps, req, res } = ctx;
      // The provider sends a person's browser here: it goes back to the console, which says what happened.
      const browser = req.accepts(['json', 'html']) === 'html';
      const back = consoleUrl(deps.config, '/settings/booking');
      try {
        const connection = await finishConnection(ctx);
        if (browser) res.redirect(303, `${back}?calendar=connected`);
        else res.status(201).json(Connection.parse(connection));
      } catch (error) {
        if (!browser || !(error instanceof ApiError)) throw error;
        res.redirect(303, `${back}?calendar=failed&reason=${encodeURIComponent(error.message)}`);
      }
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/calendar-connections/{connectionId}',
    operationId: 'disconnectCalendar',
    summary: 'Disconnect a calendar: its tokens are erased; bookings go to the built-in calendar',
    tag: 'Booking',
    access: 'admin',
    params: z.object({ connectionId: idOf('cal') }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const updated = await trx('calendar_connections').where({ id: params.connectionId }).update({ ...REVOKED_CONNECTION, updated_at: trx.fn.now() });
        if (updated === 0) throw new ApiError(404, 'not_found', 'No such calendar connection');
        await audit(trx, req, auth, { action: 'calendar.disconnected', targetType: 'calendar_connection', targetId: params.connectionId });
      }),
  }),
];

/** Checks the signed, single-use state, exchanges the code and stores the new connection (replacing any older one). */
async function finishConnection({ deps, params, query, req }: { deps: V1Deps; params: { provider: z.infer<typeof Provider> }; query: { state: string; code?: string; error?: string }; req: Request }) {
  const state = await deps.tokens.verify('calendar-state', query.state);
  const consumed = state?.provider === params.provider && (await deps.db('oauth_states').where({ nonce: String(state.nonce), org_id: String(state.orgId) }).where('expires_at', '>', new Date()).delete()) === 1;
  if (!state || !consumed) throw new ApiError(400, 'invalid_state', 'The connection attempt is unknown, expired or already used: start again', 'state');
  if (query.error || !query.code) throw new ApiError(400, 'consent_refused', `The calendar was not connected (${query.error ?? 'no code'})`, 'code');
  const orgId = String(state.orgId);
  let tokens: CalendarTokens;
  try {
    tokens = await oauthFor(deps, params.provider).exchange(query.code);
  } catch (error) {
    if (error instanceof CalendarAuthRevokedError) throw new ApiError(400, 'consent_refused', 'The provider refused the code: start again', 'code');
    throw error;
  }
  const id = newId('cal');
  const row = {
    id,
    org_id: orgId,
    provider: params.provider,
    external_account: '',
    calendar_id: 'primary',
    ...(await tokenColumns(deps.fields, orgId, tokens)),
    status: 'active',
  };
  return withTenant(deps.db, orgId, async (trx) => {
    await trx('calendar_connections').where({ status: 'active' }).update({ ...REVOKED_CONNECTION, updated_at: trx.fn.now() });
    const [saved] = await trx('calendar_connections').insert(row).returning('*');
    // Whoever started the connection is its actor (the callback itself carries no credentials).
    await audit(trx, req, undefined, { orgId, actorType: state.actorType as 'user' | 'api_key', actorId: (state.actorId as string | null) ?? null, action: 'calendar.connected', targetType: 'calendar_connection', targetId: id, metadata: { provider: params.provider } });
    return toConnection(saved);
  });
}
