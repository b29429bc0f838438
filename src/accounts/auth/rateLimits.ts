import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AuthConfig } from '../../platform/config';
import type { Db } from '../../platform/db/knex';
import { PostgresRateLimitStore } from '../../platform/db/rateLimitStore';
import type { Redis } from '../../platform/redis';
import { RedisStore } from 'rate-limit-redis';

export type LimitedAction = 'sign-in' | 'sign-up' | 'invitation' | 'password';

/**
 * Per-IP and per-account limits on the endpoints people try to abuse: guessing passwords, mass sign-ups,
 * invitation spam. Counted where every replica shares them: Redis when REDIS_URL is set, else PostgreSQL.
 * A 429 carries Retry-After.
 */
export function authRateLimits(stores: { db: Db; redis?: Redis }, config: AuthConfig): Record<LimitedAction, RequestHandler[]> {
  const { windowMs, perIp, perAccount } = config.rateLimit;
  const limiter = (name: string, limit: number, key: (req: Parameters<RequestHandler>[0]) => string | undefined) =>
    rateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      store: stores.redis
        ? new RedisStore({ sendCommand: (...args: string[]) => stores.redis!.sendCommand(args), prefix: `callgenly:rl:${name}:` })
        : new PostgresRateLimitStore(stores.db, name),
      skip: (req) => key(req) === undefined,
      // Who tried (an address, an email) is kept only as a digest, in Redis as in PostgreSQL.
      keyGenerator: (req) => createHash('sha256').update(key(req)!).digest('base64url'),
      handler: (_req, res, _next, options) => {
        res.status(429).json({ error: { code: 'rate_limited', message: `Too many attempts; try again in ${Math.ceil(options.windowMs / 1000)} seconds` } });
      },
    });
  const byIp = (req: Parameters<RequestHandler>[0]) => ipKeyGenerator(req.ip ?? 'unknown');
  const byEmail = (req: Parameters<RequestHandler>[0]) => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' && email.length <= 320 ? email.trim().toLowerCase() : undefined;
  };
  const byUser = (req: Parameters<RequestHandler>[0]) => req.auth?.userId ?? undefined;
  return {
    'sign-in': [limiter('sign-in:ip', perIp, byIp), limiter('sign-in:account', perAccount, byEmail)],
    'sign-up': [limiter('sign-up:ip', perIp, byIp)],
    invitation: [limiter('invitation:ip', perIp, byIp), limiter('invitation:account', perAccount, (req) => byUser(req) ?? byEmail(req))],
    password: [limiter('password:ip', perIp, byIp), limiter('password:account', perAccount, byUser)],
  };
}
