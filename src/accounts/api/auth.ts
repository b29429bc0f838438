import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { lockDurationMs } from '../auth/lockout';
import { hashPassword, passwordMentionsEmail, passwordSchema, verifyPassword } from '../auth/passwords';
import { isUniqueViolation } from '../../platform/db/errors';
import { usersRepository, type UserRow } from '../repositories/users';
import { isValidTimeZone } from '../../platform/timeZones';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { createOwnedOrganization, organizationCreated } from '../ownedOrganization';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { Email, idOf, Product } from '../../platform/http/v1/schemas';
import { clearSessionCookies } from '../auth/sessionCookies';
import { SessionInfo, sessionInfo, signIn } from '../auth/sessionInfo';
import { ADULT_AGE, AgeConfirmed } from '../auth/age';

const TimeZone = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York').meta({ example: 'America/Los_Angeles' });

const SignUp = z.object({
  email: Email,
  password: passwordSchema,
  name: z.string().trim().min(1).max(200),
  organization: z.object({ name: z.string().trim().min(1).max(200), timeZone: TimeZone, product: Product.default('receptionist') }),
  ageConfirmed: AgeConfirmed,
});

const SignInBody = z.object({
  email: Email,
  password: z.string().min(1).max(1024),
  organizationId: idOf('org').optional().meta({ description: 'Which organization to sign in to; the oldest membership when omitted' }),
});

export const emailTaken = () => new ApiError(409, 'email_taken', 'An account with this email already exists; sign in instead');

/** The password policy's rule that needs the email, reported on the field like the others. */
export function checkPasswordAgainstEmail(password: string, email: string, field = 'password'): void {
  if (passwordMentionsEmail(password, email)) throw new ApiError(400, 'invalid_request', `${field}: must not contain your email address`, field);
}

export const authRoutes = [
  defineRoute({
    method: 'post',
    path: '/auth/signup',
    operationId: 'signUp',
    summary: 'Create an account and its organization, and sign in as its owner',
    tag: 'Authentication',
    access: 'public',
    rateLimit: 'sign-up',
    body: SignUp,
    response: { status: 201, schema: SessionInfo, description: 'Signed in; the session cookie is set' },
    errors: [409, 429],
    async handle({ body, deps, req, res }) {
      checkPasswordAgainstEmail(body.password, body.email);
      const users = usersRepository(deps.db);
      if (await users.findByEmail(body.email)) throw emailTaken();
      const passwordHash = await hashPassword(body.password, deps.config.auth.bcryptCost);
      const { userId, orgId } = await deps.db
        .transaction(async (trx) => {
          const user = await usersRepository(trx).create({ email: body.email, name: body.name, passwordHash, ageConfirmed: ADULT_AGE });
          return { userId: user.id, orgId: await createOwnedOrganization(trx, deps, req, user.id, body.organization) };
        })
        .catch((err: unknown) => {
          // Two sign-ups with one address at once: the unique index lets one through.
          if (isUniqueViolation(err, 'users_email_unique')) throw emailTaken();
          throw err;
        });
      await organizationCreated(deps, { id: orgId, timeZone: body.organization.timeZone });
      return signIn(deps, req, res, { userId, orgId, method: 'password' });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/auth/signin',
    operationId: 'signIn',
    summary: 'Sign in with email and password',
    tag: 'Authentication',
    access: 'public',
    rateLimit: 'sign-in',
    body: SignInBody,
    response: { schema: SessionInfo, description: 'Signed in; the session cookie is set' },
    errors: [401, 404, 429],
    async handle({ body, deps, req, res }) {
      const users = usersRepository(deps.db);
      const user = await users.findByEmail(body.email);
      // Lockout is counted per address, account or not, so a locked account and an unknown email answer alike.
      const lockedUntil = await deps.lockouts.lockedUntil(body.email);
      if (lockedUntil) {
        await recordFailure(deps, req, body.email, user, 'locked');
        const seconds = Math.ceil((lockedUntil.getTime() - Date.now()) / 1000);
        res.set('Retry-After', String(seconds));
        throw new ApiError(429, 'account_locked', `Too many failed sign-ins; try again in ${seconds} seconds`);
      }
      if (!(await verifyPassword(body.password, user?.password_hash))) {
        await recordFailure(deps, req, body.email, user, 'wrong_password');
        throw new ApiError(401, 'invalid_credentials', 'The email or password is wrong');
      }
      await deps.lockouts.clear(body.email);
      const memberships = await users.memberships(user!.id);
      const orgId = body.organizationId ?? memberships[0]?.org_id;
      if (!orgId || !memberships.some((m) => m.org_id === orgId)) throw new ApiError(404, 'not_found', 'No such organization');
      return signIn(deps, req, res, { userId: user!.id, orgId, method: 'password' });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/auth/signout',
    operationId: 'signOut',
    summary: 'Sign out: the session is revoked, so its cookie stops working everywhere',
    tag: 'Authentication',
    access: 'person',
    async handle({ auth, deps, req, res }) {
      await deps.sessions.revoke(auth.sessionId!);
      clearSessionCookies(res, deps.config.auth);
      await audit(deps.db, req, auth, { action: 'auth.signed_out', targetType: 'session', targetId: auth.sessionId! });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/auth/session',
    operationId: 'getSession',
    summary: 'Who is signed in, in which organization, and the CSRF token',
    tag: 'Authentication',
    access: 'person',
    response: { schema: SessionInfo, description: 'The current session' },
    handle: ({ auth, deps }) => sessionInfo(deps, auth.userId!, auth.orgId, auth.sessionId!),
  }),

  defineRoute({
    method: 'post',
    path: '/auth/switch-organization',
    operationId: 'switchOrganization',
    summary: 'Act in another organization this person belongs to (a new session replaces this one)',
    tag: 'Authentication',
    access: 'person',
    body: z.object({ organizationId: idOf('org') }),
    response: { schema: SessionInfo, description: 'Signed in to the other organization' },
    errors: [404],
    async handle({ auth, body, deps, req, res }) {
      const memberships = await usersRepository(deps.db).memberships(auth.userId!);
      if (!memberships.some((m) => m.org_id === body.organizationId)) throw new ApiError(404, 'not_found', 'No such organization');
      await deps.sessions.revoke(auth.sessionId!);
      return signIn(deps, req, res, { userId: auth.userId!, orgId: body.organizationId, method: 'password' });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/auth/password',
    operationId: 'changePassword',
    summary: "Change the signed-in person's password; every other session of theirs is signed out",
    tag: 'Authentication',
    access: 'person',
    rateLimit: 'password',
    body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }),
    errors: [403, 429],
    async handle({ auth, body, deps, req }) {
      const users = usersRepository(deps.db);
      const user = (await users.findById(auth.userId!))!;
      if (!(await verifyPassword(body.currentPassword, user.password_hash))) {
        throw new ApiError(403, 'invalid_credentials', 'The current password is wrong');
      }
      checkPasswordAgainstEmail(body.newPassword, user.email, 'newPassword');
      const passwordHash = await hashPassword(body.newPassword, deps.config.auth.bcryptCost);
      // The new password, its audit entry and the owner's alert commit together; the alert goes after.
      const alert = await deps.db.transaction(async (trx) => {
        await usersRepository(trx).setPasswordHash(user.id, passwordHash);
        await audit(trx, req, auth, { action: 'user.password_changed', targetType: 'user', targetId: user.id });
        return deps.notifier.write({ kind: 'security.password_changed', orgId: auth.orgId, payload: { ip: req.ip ?? null }, to: { userIds: [user.id] }, cause: `password-changed:${randomUUID()}` }, trx);
      });
      await deps.sessions.revokeOthers(user.id, auth.sessionId!);
      await deps.notifier.start(alert);
    },
  }),
];

/**
 * Counts a failed sign-in towards the account's lockout and records it in the audit log of every
 * organization the account belongs to (or, for an unknown email, in no organization's).
 */
async function recordFailure(deps: V1Deps, req: Request, email: string, user: UserRow | undefined, reason: 'wrong_password' | 'locked'): Promise<void> {
  const entry = { actorType: 'user' as const, actorId: user?.id ?? null, action: 'auth.sign_in_failed', targetType: 'user', targetId: user?.id, metadata: { email, reason } };
  if (reason === 'wrong_password') {
    const lockouts = deps.lockouts;
    const failures = await lockouts.recordFailure(email);
    const lockMs = lockDurationMs(failures, deps.config.auth.lockout);
    if (lockMs > 0) await lockouts.lockUntil(email, new Date(Date.now() + lockMs));
  }
  if (!user) return audit(deps.db, req, undefined, { ...entry, orgId: null });
  const memberships = await usersRepository(deps.db).memberships(user.id);
  for (const orgId of memberships.length ? memberships.map((m) => m.org_id) : [null]) {
    await audit(deps.db, req, undefined, { ...entry, orgId });
  }
}
