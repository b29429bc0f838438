import type { Db } from '../../platform/db/knex';
import type { Role } from '../auth/roles';

export interface ActiveSession {
  id: string;
  user_id: string;
  org_id: string;
  role: Role;
  expires_at: Date;
}

/** Server-side sessions: the cookie only names one, so revoking the row ends the cookie everywhere. */
export function sessionsRepository(db: Db) {
  return {
    create(input: { id: string; userId: string; orgId: string; method: string; ip?: string; userAgent?: string; expiresAt: Date }): Promise<unknown> {
      return db('sessions').insert({
        id: input.id,
        user_id: input.userId,
        org_id: input.orgId,
        method: input.method,
        ip: input.ip ?? null,
        user_agent: (input.userAgent ?? '').slice(0, 300),
        expires_at: input.expiresAt,
      });
    },

    /** The session if it is live and its user still belongs to its organization, with their current role. */
    findActive(id: string): Promise<ActiveSession | undefined> {
      return db('sessions as s')
        .join('memberships as m', function () {
          this.on('m.org_id', 's.org_id').andOn('m.user_id', 's.user_id');
        })
        .join('organizations as o', 'o.id', 's.org_id')
        .where('s.id', id)
        .whereNull('s.revoked_at')
        .where('s.expires_at', '>', db.fn.now())
        // An organization in its deletion grace period stays usable, so an owner can still cancel.
        .whereIn('o.status', ['active', 'deletion_pending'])
        .first('s.id', 's.user_id', 's.org_id', 'm.role', 's.expires_at');
    },

    touch(id: string): Promise<number> {
      return db('sessions').where({ id }).update({ last_seen_at: db.fn.now() });
    },

    revoke(id: string): Promise<number> {
      return db('sessions').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
    },

    /** Signs a user out everywhere (password change), except the session making the change. */
    revokeAllForUser(userId: string, exceptId?: string): Promise<number> {
      const q = db('sessions').where({ user_id: userId }).whereNull('revoked_at');
      if (exceptId) q.whereNot({ id: exceptId });
      return q.update({ revoked_at: db.fn.now() });
    },
  };
}
