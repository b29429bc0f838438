import { z } from 'zod';
import { verifyPassword } from '../auth/passwords';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { clearSessionCookies } from '../auth/sessionCookies';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, PhoneNumber, Timestamp } from '../../platform/http/v1/schemas';

const Profile = z
  .object({ id: z.string(), email: z.string(), name: z.string(), phoneNumber: z.string().nullable(), createdAt: Timestamp })
  .meta({ id: 'Profile' });

const toProfile = (u: Record<string, any>): z.input<typeof Profile> => ({ id: u.id, email: u.email, name: u.name, phoneNumber: u.phone_e164, createdAt: iso(u.created_at)! });

/** A person's own account: read it, correct it, delete it. */
export const meRoutes = [
  defineRoute({
    method: 'get',
    path: '/me',
    operationId: 'getProfile',
    summary: 'Your profile',
    tag: 'Privacy',
    access: 'person',
    response: { schema: Profile, description: 'Your profile' },
    handle: async ({ auth, deps }) => toProfile(await deps.db('users').where({ id: auth.userId! }).first()),
  }),

  defineRoute({
    method: 'patch',
    path: '/me',
    operationId: 'correctProfile',
    summary: 'Correct your name or phone number (audited with the fields changed)',
    tag: 'Privacy',
    access: 'person',
    body: z
      .object({ name: z.string().trim().min(1).max(200).optional(), phoneNumber: PhoneNumber.nullable().optional() })
      .refine((b) => b.name !== undefined || b.phoneNumber !== undefined, { message: 'give name or phoneNumber' }),
    response: { schema: Profile, description: 'Your corrected profile' },
    async handle({ auth, body, deps, req }) {
      return deps.db.transaction(async (trx) => {
        const [user] = await trx('users')
          .where({ id: auth.userId! })
          .update({ ...(body.name !== undefined ? { name: body.name } : {}), ...(body.phoneNumber !== undefined ? { phone_e164: body.phoneNumber } : {}), updated_at: trx.fn.now() })
          .returning('*');
        await audit(trx, req, auth, { action: 'user.profile_corrected', targetType: 'user', targetId: auth.userId!, metadata: { fields: Object.keys(body) } });
        return toProfile(user);
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/deletion',
    operationId: 'deleteOwnAccount',
    summary: 'Delete your own account (your password again); the last owner of an organization must hand it over or delete it first',
    tag: 'Privacy',
    access: 'person',
    body: z.object({ password: z.string().max(200).optional() }),
    errors: [409],
    async handle({ auth, body, deps, req, res }) {
      const user = await deps.db('users').where({ id: auth.userId! }).first('password_hash');
      if (user.password_hash && !(body.password && (await verifyPassword(body.password, user.password_hash)))) {
        throw new ApiError(401, 'reauthentication_failed', 'Enter your password to delete your account', 'password');
      }
      await deps.db.transaction(async (trx) => {
        // An organization must never be left without an owner.
        const soleOwnerOf = await trx('memberships as m')
          .where({ 'm.user_id': auth.userId!, 'm.role': 'owner' })
          .whereNotExists(trx('memberships as o').whereRaw('o.org_id = m.org_id and o.role = ? and o.user_id <> m.user_id', ['owner']).select(trx.raw('1')))
          .pluck('m.org_id');
        if (soleOwnerOf.length > 0) throw new ApiError(409, 'last_owner', 'You are the only owner of an organization: make someone else owner, or delete the organization, first');
        const orgIds: string[] = await trx('memberships').where({ user_id: auth.userId! }).pluck('org_id');
        for (const orgId of orgIds) await audit(trx, req, auth, { orgId, action: 'user.deleted_own_account', targetType: 'user', targetId: auth.userId! });
        // Memberships, sessions, sign-in identities and preferences go with the user; delivery rows keep no link.
        await trx('users').where({ id: auth.userId! }).del();
      });
      clearSessionCookies(res, deps.config.auth);
    },
  }),
];
