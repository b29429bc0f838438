import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db/knex';

/** A lockout's key: a hash of the normalized address, so no store (this table, or Redis) names anybody. */
export const lockoutDigest = (email: string) => createHash('sha256').update(`sign-in:${email.trim().toLowerCase()}`).digest('hex');

/** Consecutive failed sign-ins per email address, whether or not an account has it. */
export function signInLockoutsRepository(db: Db) {
  return {
    async lockedUntil(email: string): Promise<Date | undefined> {
      const row = await db('sign_in_lockouts').where({ email_key: lockoutDigest(email) }).first('locked_until');
      const until = row?.locked_until as Date | null | undefined;
      return until && until > new Date() ? until : undefined;
    },

    /** Counts one more consecutive failure and returns the new count. */
    async recordFailure(email: string): Promise<number> {
      const [row] = await db('sign_in_lockouts')
        .insert({ email_key: lockoutDigest(email), failures: 1 })
        .onConflict('email_key')
        .merge({ failures: db.raw('sign_in_lockouts.failures + 1'), updated_at: db.fn.now() })
        .returning('failures');
      return (row as { failures: number }).failures;
    },

    lockUntil(email: string, until: Date): Promise<number> {
      return db('sign_in_lockouts').where({ email_key: lockoutDigest(email) }).update({ locked_until: until, updated_at: db.fn.now() });
    },

    clear(email: string): Promise<number> {
      return db('sign_in_lockouts').where({ email_key: lockoutDigest(email) }).delete();
    },
  };
}
