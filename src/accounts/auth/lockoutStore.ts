import type { Db } from '../../platform/db/knex';
import type { Redis } from '../../platform/redis';
import { lockoutDigest, signInLockoutsRepository } from '../repositories/signInLockouts';

/** Consecutive failed sign-ins per email address (account or not), and until when the address is locked. */
export interface LockoutStore {
  lockedUntil(email: string): Promise<Date | undefined>;
  /** Counts one more consecutive failure and returns the new count. */
  recordFailure(email: string): Promise<number>;
  lockUntil(email: string, until: Date): Promise<void>;
  clear(email: string): Promise<void>;
}

/** In PostgreSQL (`sign_in_lockouts`): the default, shared by every replica through the database. */
export function postgresLockouts(db: Db): LockoutStore {
  const rows = signInLockoutsRepository(db);
  return {
    lockedUntil: (email) => rows.lockedUntil(email),
    recordFailure: (email) => rows.recordFailure(email),
    lockUntil: async (email, until) => void (await rows.lockUntil(email, until)),
    clear: async (email) => void (await rows.clear(email)),
  };
}

/** A day after the last failure, a count nobody added to is forgotten (PostgreSQL's is kept until a success). */
const FORGET_AFTER_MS = 24 * 3600_000;
const keyOf = (email: string) => `callgenly:lockout:${lockoutDigest(email)}`;

/** In Redis (REDIS_URL): one hash per address, keyed by its digest, so Redis never holds who tried. */
export function redisLockouts(redis: Redis): LockoutStore {
  return {
    async lockedUntil(email) {
      const until = Number(await redis.hGet(keyOf(email), 'lockedUntil'));
      return until > Date.now() ? new Date(until) : undefined;
    },
    async recordFailure(email) {
      const key = keyOf(email);
      const [failures] = await redis.multi().hIncrBy(key, 'failures', 1).pExpire(key, FORGET_AFTER_MS).exec();
      return Number(failures);
    },
    async lockUntil(email, until) {
      const key = keyOf(email);
      await redis.multi().hSet(key, 'lockedUntil', String(until.getTime())).pExpire(key, Math.max(FORGET_AFTER_MS, until.getTime() - Date.now())).exec();
    },
    async clear(email) {
      await redis.del(keyOf(email));
    },
  };
}
