import { z } from 'zod';
import { ADULT_AGE, ageNotConfirmed } from '../auth/age';
import { notifyAfterCommit } from '../../notifications/notifyAfterCommit';
import { hashPassword, passwordSchema, verifyPassword } from '../auth/passwords';
import { hasRole } from '../auth/roles';
import { invitationsRepository, type InvitationRow } from '../repositories/invitations';
import { membersRepository } from '../repositories/members';
import { usersRepository } from '../repositories/users';
import { withTenant } from '../../platform/db/tenancy';
import { consoleUrl } from '../../platform/http/console';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { Email, idOf, iso, pageBody, pageOf, PageQuery, Role, StaffRole, Timestamp } from '../../platform/http/v1/schemas';
import { SessionInfo, signIn } from '../auth/sessionInfo';
import { checkPasswordAgainstEmail, emailTaken } from './auth';
import { isUniqueViolation } from '../../platform/db/errors';

const Invitation = z
  .object({ id: z.string(), email: z.string(), role: Role, invitedByUserId: z.string().nullable(), createdAt: Timestamp, expiresAt: Timestamp })
  .meta({ id: 'Invitation' });

const toApi = (i: InvitationRow): z.input<typeof Invitation> => ({
  id: i.id,
  email: i.email,
  role: i.role,
  invitedByUserId: i.invited_by_user_id,
  createdAt: iso(i.created_at)!,
  expiresAt: iso(i.expires_at)!,
});

const invalid = () => new ApiError(404, 'invitation_invalid', 'This invitation is not valid, has expired, or has already been used');

export const invitationRoutes = [
  defineRoute({
    method: 'get',
    path: '/invitations',
    operationId: 'listInvitations',
    summary: 'Invitations not yet accepted, revoked or expired',
    tag: 'Members',
    access: 'admin',
    query: PageQuery,
    response: { schema: pageOf(Invitation, 'InvitationPage'), description: 'A page of pending invitations' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await invitationsRepository(trx).listPending(query);
        return pageBody(page, toApi);
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/invitations',
    operationId: 'createInvitation',
    summary: 'Invite someone by email; the signed token in the answer is single-use and expires',
    tag: 'Members',
    access: 'admin',
    rateLimit: 'invitation',
    body: z.object({ email: Email, role: StaffRole.default('member') }),
    response: {
      status: 201,
      schema: Invitation.extend({
        token: z.string().meta({ description: 'Give to the invitee; they accept with POST /invitations/accept' }),
        acceptUrl: z.string().meta({ description: "The console's page to accept it (APP_URL, else PUBLIC_BASE_URL), with the token" }),
      }).meta({ id: 'CreatedInvitation' }),
      description: 'The invitation and its token',
    },
    errors: [409, 429],
    async handle({ auth, body, deps, req }) {
      if (!hasRole(auth.role, body.role) || (body.role === 'owner' && auth.role !== 'owner')) {
        throw new ApiError(403, 'forbidden', 'Only an owner can invite an owner');
      }
      const expiresAt = new Date(Date.now() + deps.config.auth.invitationTtlMs);
      const invitation = await withTenant(deps.db, auth.orgId, async (trx) => {
        const existing = await usersRepository(deps.db).findByEmail(body.email);
        if (existing && (await membersRepository(trx).find(existing.id))) throw new ApiError(409, 'already_member', 'This person is already a member');
        const row = await invitationsRepository(trx).create({ orgId: auth.orgId, email: body.email, role: body.role, invitedBy: auth.userId, expiresAt });
        await audit(trx, req, auth, { action: 'invitation.created', targetType: 'invitation', targetId: row.id, metadata: { email: body.email, role: body.role } });
        return row;
      });
      const token = await deps.tokens.sign('invitation', { org: auth.orgId, email: body.email }, deps.config.auth.invitationTtlMs, { jti: invitation.id });
      // The console's page for it (served by the API itself unless APP_URL names another origin), emailed to them.
      const acceptUrl = consoleUrl(deps.config, `/invitations/accept?token=${encodeURIComponent(token)}`);
      const inviter = auth.userId ? ((await usersRepository(deps.db).findById(auth.userId))?.name ?? 'A colleague') : 'An administrator';
      await notifyAfterCommit(deps, { kind: 'accounts.invitation', orgId: auth.orgId, payload: { inviter, role: body.role, acceptUrl, expiresAt: expiresAt.toISOString() }, to: { emails: [body.email] }, cause: `invitation:${invitation.id}` });
      return { ...toApi(invitation), token, acceptUrl };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/invitations/{invitationId}',
    operationId: 'revokeInvitation',
    summary: 'Revoke a pending invitation; its token stops working',
    tag: 'Members',
    access: 'admin',
    params: z.object({ invitationId: idOf('inv') }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        if ((await invitationsRepository(trx).revoke(params.invitationId)) === 0) throw new ApiError(404, 'not_found', 'No such pending invitation');
        await audit(trx, req, auth, { action: 'invitation.revoked', targetType: 'invitation', targetId: params.invitationId });
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/invitations/accept',
    operationId: 'acceptInvitation',
    summary: 'Accept an invitation: new people choose a name and password; existing accounts confirm their password',
    tag: 'Members',
    access: 'public',
    rateLimit: 'invitation',
    body: z.object({
      token: z.string().min(1).max(4096),
      name: z.string().trim().min(1).max(200).optional().meta({ description: 'Required for a new account' }),
      password: z.string().min(1).max(1024).optional().meta({ description: 'New account: its password (policy applies). Existing account: its current password' }),
      ageConfirmed: z.boolean().optional().meta({ description: "The person confirms being at least the organization's minimum age: needed for a new account, and for an existing one that confirmed a lower age" }),
    }),
    response: { schema: SessionInfo, description: 'Joined and signed in to the organization' },
    errors: [401, 404, 409, 429],
    async handle({ body, deps, req, res }) {
      const claims = await deps.tokens.verify('invitation', body.token);
      if (!claims?.jti || typeof claims.org !== 'string' || typeof claims.email !== 'string') throw invalid();
      const { org: orgId, email, jti: invitationId } = claims as { org: string; email: string; jti: string };
      const existing = await usersRepository(deps.db).findByEmail(email);
      if (existing) {
        const signedInAsThem = req.auth?.kind === 'session' && req.auth.userId === existing.id;
        if (!signedInAsThem && !(body.password && (await verifyPassword(body.password, existing.password_hash)))) {
          throw new ApiError(401, 'invalid_credentials', 'Sign in as the invited account, or give its password');
        }
      } else {
        if (!body.name || !body.password) throw new ApiError(400, 'invalid_request', 'name and password are needed to create the account', body.name ? 'password' : 'name');
        const policy = passwordSchema.safeParse(body.password);
        if (!policy.success) throw new ApiError(400, 'invalid_request', `password: ${policy.error.issues[0]!.message}`, 'password');
        checkPasswordAgainstEmail(body.password, email);
      }
      // Adults only: the organization's minimum age, confirmed unless the person already confirmed as much.
      const minimumAge = Number((await deps.db('organizations').where({ id: orgId }).first('minimum_age'))?.minimum_age ?? ADULT_AGE);
      const confirmsAge = !existing || (existing.age_confirmed_minimum ?? 0) < minimumAge;
      if (confirmsAge && body.ageConfirmed !== true) throw ageNotConfirmed(minimumAge);
      const passwordHash = existing ? undefined : await hashPassword(body.password!, deps.config.auth.bcryptCost);
      // The account is created in the transaction that consumes the invitation: a revoked, expired or
      // already used invitation rolls it back, so a refused token claims nobody's address.
      const userId = await deps.db
        .transaction(async (trx) => {
          const id = existing?.id ?? (await usersRepository(trx).create({ email, name: body.name!, passwordHash, ageConfirmed: minimumAge })).id;
          if (existing && confirmsAge) await usersRepository(trx).confirmAge(existing.id, minimumAge);
          await withTenant(trx, orgId, async (tenant) => {
            const accepted = await invitationsRepository(tenant).accept(invitationId, id);
            if (!accepted) throw invalid();
            await usersRepository(tenant).addMembership(orgId, id, accepted.role);
            await audit(tenant, req, undefined, { orgId, actorType: 'user', actorId: id, action: 'member.joined', targetType: 'invitation', targetId: invitationId, metadata: { role: accepted.role } });
          });
          return id;
        })
        .catch((err: unknown) => {
          // Someone signed up with this address, or accepted the same invitation, a moment earlier.
          if (isUniqueViolation(err, 'users_email_unique')) throw emailTaken();
          throw err;
        });
      return signIn(deps, req, res, { userId, orgId, method: 'invitation' });
    },
  }),
];
