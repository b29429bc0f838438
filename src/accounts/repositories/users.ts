import type { Db, Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import type { Role } from '../auth/roles';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified_at: Date | null;
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

    async create(input: { email: string; name: string; passwordHash?: string; emailVerified?: boolean }): Promise<UserRow> {
      const [row] = await db<UserRow>('users')
        .insert({
          id: newId('usr'),
          email: input.email,
          name: input.name,
          password_hash: input.passwordHash ?? null,
          email_verified_at: input.emailVerified ? db.fn.now() : null,
        } as never)
        .returning('*');
      return row!;
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
