import type { RequestHandler } from 'express';
import { parseApiKey, secretMatches } from './apiKeys';
import type { AuthContext } from './context';
import type { Sessions } from './sessions';
import type { AuthConfig } from '../../platform/config';
import type { Db } from '../../platform/db/knex';
import { apiKeyLookup } from '../repositories/apiKeys';
import { ApiError } from '../../platform/http/errors';
import { clearSessionCookies, SESSION_COOKIE, setSessionCookies } from './sessionCookies';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when the request carries a valid session cookie or API key; routes decide whether they need it. */
    auth?: AuthContext;
  }
}

/**
 * Works out who is calling: `Authorization: Bearer <api key>` for programs, the session cookie for people.
 * A presented but bad API key is refused outright; a stale cookie is cleared and the request goes on
 * unauthenticated (public routes still work, protected ones answer 401).
 */
export function authenticate(db: Db, sessions: Sessions, config: AuthConfig): RequestHandler {
  const keys = apiKeyLookup(db);
  return async (req, res, next) => {
    const header = req.header('authorization');
    if (header) {
      const [scheme, value] = header.split(/\s+/, 2);
      const parsed = scheme?.toLowerCase() === 'bearer' && value ? parseApiKey(value) : undefined;
      const row = parsed ? await keys.findByPrefix(parsed.prefix) : undefined;
      if (!parsed || !row || row.revoked_at || !secretMatches(parsed.secret, row.key_hash)) {
        throw new ApiError(401, 'invalid_api_key', 'The API key is not valid or has been revoked');
      }
      await keys.touch(row.id);
      // A key acts as an admin of its organization; it cannot manage owners or sign in as a person.
      req.auth = { kind: 'api_key', orgId: row.org_id, role: 'admin', userId: null, sessionId: null, apiKeyId: row.id };
      return next();
    }
    const token = req.cookies?.[SESSION_COOKIE] as string | undefined;
    if (token) {
      const resolved = await sessions.resolve(token);
      if (!resolved) {
        clearSessionCookies(res, config);
        return next();
      }
      const { session, rotated } = resolved;
      if (rotated) setSessionCookies(res, rotated, config);
      req.auth = { kind: 'session', orgId: session.org_id, role: session.role, userId: session.user_id, sessionId: session.id, apiKeyId: null };
    }
    next();
  };
}
