import type { Request, Response } from 'express';
import { z } from 'zod';
import { ADULT_AGE, ageNotConfirmed } from '../auth/age';
import { newSsoAttempt, SsoError, type OidcClient, type VerifiedIdentity } from '../auth/oidc';
import { identitiesRepository, type SsoProvider } from '../repositories/identities';
import { usersRepository } from '../repositories/users';
import { isValidTimeZone } from '../../platform/timeZones';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { createOwnedOrganization, organizationCreated } from '../ownedOrganization';
import { defineRoute } from '../../platform/http/v1/route';
import { Product } from '../../platform/http/v1/schemas';
import { SessionInfo, signIn } from '../auth/sessionInfo';
import { notifyAfterCommit } from '../../notifications/notifyAfterCommit';

const STATE_COOKIE = 'cg_sso';
const STATE_TTL_MS = 10 * 60_000;
const Provider = z.enum(['google', 'microsoft']);

function clientFor(deps: V1Deps, provider: SsoProvider): OidcClient {
  const client = deps.sso[provider];
  if (!client) throw new ApiError(404, 'sso_not_configured', `Sign-in with ${provider} is not configured on this server`);
  return client;
}

function stateCookieOptions(deps: V1Deps) {
  // Lax, so it comes back on the provider's top-level redirect to the callback, and only there.
  return { httpOnly: true, secure: deps.config.auth.cookieSecure, sameSite: 'lax' as const, path: '/api/v1/auth/sso' };
}

export const ssoRoutes = [
  defineRoute({
    method: 'get',
    path: '/auth/methods',
    operationId: 'listSignInMethods',
    summary: 'Which ways to sign in this server offers (the sign-in page shows those)',
    tag: 'Authentication',
    access: 'public',
    response: { schema: z.object({ password: z.literal(true), google: z.boolean(), microsoft: z.boolean() }).meta({ id: 'SignInMethods' }), description: 'The methods' },
    handle: ({ deps }) => ({ password: true as const, google: Boolean(deps.sso.google), microsoft: Boolean(deps.sso.microsoft) }),
  }),

  defineRoute({
    method: 'get',
    path: '/auth/sso/{provider}/start',
    operationId: 'startSso',
    summary: 'Begin single sign-on: redirects the browser to Google or Microsoft',
    tag: 'Authentication',
    access: 'public',
    raw: true,
    params: z.object({ provider: Provider }),
    query: z.object({
      timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone').default('UTC').meta({ description: "Time zone for the organization created on a first sign-in, if one is" }),
      product: Product.default('receptionist').meta({ description: 'The product of the organization created on a first sign-in, if one is' }),
      ageConfirmed: z.literal('true').optional().meta({ description: `The person confirms being ${ADULT_AGE} or older: needed when the sign-in creates their account` }),
    }),
    errors: [404],
    async handle({ params, query, deps, res }) {
      const client = clientFor(deps, params.provider);
      const attempt = newSsoAttempt();
      const cookie = await deps.tokens.sign('sso-state', { provider: params.provider, ...attempt, timeZone: query.timeZone, product: query.product, ageConfirmed: query.ageConfirmed === 'true' }, STATE_TTL_MS);
      res.cookie(STATE_COOKIE, cookie, { ...stateCookieOptions(deps), maxAge: STATE_TTL_MS });
      res.redirect(302, await client.authorizationUrl(attempt));
    },
  }),

  defineRoute({
    method: 'get',
    path: '/auth/sso/{provider}/callback',
    operationId: 'finishSso',
    summary: 'Where the provider sends the browser back: signs in (linking or creating the account), then redirects to APP_URL or answers with the session',
    tag: 'Authentication',
    access: 'public',
    raw: true,
    params: z.object({ provider: Provider }),
    query: z.object({
      code: z.string().max(4096).optional(),
      state: z.string().max(512).optional(),
      error: z.string().max(200).optional(),
    }),
    response: { schema: SessionInfo, description: 'Signed in (when APP_URL is not configured; otherwise a 303 redirect to it)' },
    errors: [400, 401, 404],
    async handle({ params, query, deps, req, res }) {
      const client = clientFor(deps, params.provider);
      const saved = await deps.tokens.verify('sso-state', String(req.cookies?.[STATE_COOKIE] ?? ''));
      res.clearCookie(STATE_COOKIE, stateCookieOptions(deps));
      if (query.error) throw new ApiError(401, 'sso_denied', `The provider did not sign you in (${query.error})`);
      // The state ties this callback to the browser that started it: no cookie or another state is a forged login.
      if (!saved || saved.provider !== params.provider || !query.state || saved.state !== query.state || !query.code) {
        throw new ApiError(400, 'sso_state_mismatch', 'This sign-in was not started from this browser, or took too long; start again');
      }
      let identity: VerifiedIdentity;
      try {
        identity = await client.complete(query.code, String(saved.verifier), String(saved.nonce));
      } catch (err) {
        if (!(err instanceof SsoError)) throw err;
        await audit(deps.db, req, undefined, { orgId: null, actorType: 'user', actorId: null, action: 'auth.sign_in_failed', metadata: { method: params.provider, reason: err.message } });
        throw new ApiError(401, 'sso_failed', `Single sign-on failed: ${err.message}`);
      }
      const userId = await findOrCreateUser(deps, params.provider, identity, saved.ageConfirmed === true);
      const orgId = await defaultOrganization(deps, req, userId, identity, String(saved.timeZone ?? 'UTC'), saved.product === 'coach' ? 'coach' : 'receptionist');
      const info = await signIn(deps, req, res, { userId, orgId, method: params.provider });
      respond(deps, res, info);
    },
  }),
];

/** The linked user; else the user with this verified email, now linked; else a new user. */
async function findOrCreateUser(deps: V1Deps, provider: SsoProvider, identity: VerifiedIdentity, ageConfirmed: boolean): Promise<string> {
  const identities = identitiesRepository(deps.db);
  const users = usersRepository(deps.db);
  const linked = await identities.findUserId(provider, identity.subject);
  if (linked) {
    await identities.link(provider, identity.subject, linked);
    return linked;
  }
  // An unverified address could be anyone's: never let it take over, or claim, an account.
  if (!identity.emailVerified) throw new ApiError(401, 'email_not_verified', `Your ${provider} account's email address is not verified`);
  const existing = await users.findByEmail(identity.email);
  // A first sign-in creates an account: only for someone who confirmed their age where they started it.
  if (!existing && !ageConfirmed) throw ageNotConfirmed(ADULT_AGE);
  const user = existing ?? (await users.create({ email: identity.email, name: identity.name, emailVerified: true, ageConfirmed: ADULT_AGE }));
  await users.markEmailVerified(user.id);
  await identities.link(provider, identity.subject, user.id);
  // An account that had a password now also opens with this provider: its owner must know.
  if (existing) {
    await notifyAfterCommit(deps, { kind: 'security.sso_linked', orgId: null, payload: { provider: provider === 'google' ? 'Google' : 'Microsoft' }, to: { userIds: [user.id] }, cause: `sso-linked:${provider}:${identity.subject}` });
  }
  return user.id;
}

/** The person's oldest organization, or, for someone who belongs to none yet, a new one they own. */
async function defaultOrganization(deps: V1Deps, req: Request, userId: string, identity: VerifiedIdentity, timeZone: string, product: 'receptionist' | 'coach'): Promise<string> {
  const memberships = await usersRepository(deps.db).memberships(userId);
  if (memberships[0]) return memberships[0].org_id;
  const orgId = await deps.db.transaction((trx) => createOwnedOrganization(trx, deps, req, userId, { name: `${identity.name || identity.email}'s organization`, timeZone, product }));
  await organizationCreated(deps, { id: orgId, timeZone });
  return orgId;
}

function respond(deps: V1Deps, res: Response, info: z.input<typeof SessionInfo>): void {
  if (deps.config.auth.appUrl) res.redirect(303, deps.config.auth.appUrl);
  else res.status(200).json(SessionInfo.parse(info));
}
