import type { Db, Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import type { Role } from '../auth/roles';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified_at: Date | null;
  age_confirmed_minimum: number | null;
  created_at: Date;
}

/**
 * People and their sign-in state. Users are not tenant data (one person can belong to several
 * organizations), so the auth layer reads them as the owner role; tenant code sees them through members.
 */
export function usersRepository(db: Db | Tx) {
  return {
    findByEmail(email: string): Promise<UserRow | undefined> {
      return db<UserRow>('users').whereRaw('lower(email) = lower(?)', [email]).first();
    },

    findById(id: string): Promise<UserRow | undefined> {
      return db<UserRow>('users').where({ id }).first();
    },

    /** `ageConfirmed`: the age the person confirmed being at least (sign-up asks; README, "Adults only"). */
    async create(input: { email: string; name: string; passwordHash?: string; emailVerified?: boolean; ageConfirmed: number }): Promise<UserRow> {
      const [row] = await db<UserRow>('users')
        .insert({
          id: newId('usr'),
          email: input.email,
          name: input.name,
          password_hash: input.passwordHash ?? null,
          email_verified_at: input.emailVerified ? db.fn.now() : null,
          age_confirmed_at: db.fn.now(),
          age_confirmed_minimum: input.ageConfirmed,
        } as never)
        .returning('*');
      return row!;
    },

    /** The person's membership of `orgId` ended and, with no other membership left, the person (sessions with them). */
    async removeFromOrganization(orgId: string, userId: string): Promise<{ accountDeleted: boolean }> {
      await db('memberships').where({ org_id: orgId, user_id: userId }).del();
      const deleted = await db('users').where({ id: userId }).whereNotExists(db('memberships').where({ user_id: userId }).select(db.raw('1'))).del();
      return { accountDeleted: deleted > 0 };
    },

    /** The person confirmed, again, being at least `age` (joining an organization that asks more). */
    async confirmAge(userId: string, age: number): Promise<void> {
      await db('users').where({ id: userId }).update({ age_confirmed_at: db.fn.now(), age_confirmed_minimum: age });
    },

    markEmailVerified(id: string): Promise<number> {
      return db('users').where({ id }).whereNull('email_verified_at').update({ email_verified_at: db.fn.now() });
    },

    setPasswordHash(id: string, hash: string): Promise<number> {
      return db('users').where({ id }).update({ password_hash: hash, updated_at: db.fn.now() });
    },

    /** Every organization the user belongs to, oldest membership first (the default one to sign in to). */
    memberships(userId: string): Promise<Array<{ org_id: string; role: Role; org_name: string }>> {
      return db('memberships')
        .join('organizations', 'organizations.id', 'memberships.org_id')
        .where('memberships.user_id', userId)
        .whereNot('organizations.status', 'deleted')
        .orderBy('memberships.created_at')
        .select('memberships.org_id', 'memberships.role', 'organizations.name as org_name');
    },

    addMembership(orgId: string, userId: string, role: Role): Promise<unknown> {
      return db('memberships').insert({ org_id: orgId, user_id: userId, role }).onConflict(['org_id', 'user_id']).ignore();
    },
  };
}
