import type { Tx } from '../../platform/db/knex';
import { paginate, type Page } from '../../platform/db/pagination';
import type { Role } from '../auth/roles';

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  created_at: Date;
}

/**
 * An organization's members, its staff (learners are the coaching domain's); used inside `withTenant`, so
 * another organization's members do not exist here.
 */
export function membersRepository(trx: Tx) {
  const base = () =>
    trx('memberships')
      .join('users', 'users.id', 'memberships.user_id')
      .whereNot('memberships.role', 'learner')
      .select('memberships.user_id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at');
  return {
    list(page: { cursor?: string; limit: number }): Promise<Page<MemberRow>> {
      return paginate<MemberRow & Record<string, unknown>>(base(), { column: 'memberships.user_id', ...page });
    },

    find(userId: string): Promise<MemberRow | undefined> {
      return base().where('memberships.user_id', userId).first();
    },

    /** Anyone's role here, learners included. */
    async roleOf(userId: string): Promise<Role | undefined> {
      return (await trx('memberships').where({ user_id: userId }).first('role'))?.role;
    },

    /** Owners, locked until the transaction ends, so two owners cannot demote each other at the same time. */
    async lockOwners(): Promise<string[]> {
      const rows = await trx('memberships').where({ role: 'owner' }).forUpdate().select('user_id');
      return rows.map((r: { user_id: string }) => r.user_id);
    },

    setRole(userId: string, role: Role): Promise<number> {
      return trx('memberships').where({ user_id: userId }).update({ role, updated_at: trx.fn.now() });
    },

    remove(userId: string): Promise<number> {
      return trx('memberships').where({ user_id: userId }).delete();
    },
  };
}
