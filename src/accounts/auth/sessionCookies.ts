import type { Response } from 'express';
import type { AuthConfig } from '../../platform/config';
import type { StartedSession } from './sessions';

export const SESSION_COOKIE = 'cg_session';
/** Readable by the admin UI's script, which echoes it in X-CSRF-Token; useless to a site that cannot read it. */
export const CSRF_COOKIE = 'cg_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export function setSessionCookies(res: Response, session: StartedSession, config: AuthConfig): void {
  const common = { secure: config.cookieSecure, sameSite: 'lax' as const, path: '/', expires: session.cookieExpiresAt };
  res.cookie(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  res.cookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(res: Response, config: AuthConfig): void {
  for (const name of [SESSION_COOKIE, CSRF_COOKIE]) {
    res.clearCookie(name, { secure: config.cookieSecure, sameSite: 'lax', path: '/', httpOnly: name === SESSION_COOKIE });
  }
}
