import { z } from 'zod';
import { count, httpUrl, milliseconds, optionalText, setting } from '../platform/config/settings';

export const auth = {
  /** Where browsers land after single sign-on and where invitation links point (the admin UI). */
  appUrl: setting('APP_URL', httpUrl().optional().transform((v) => v?.replace(/\/$/, ''))),
  /** Signs session and invitation tokens; outside production a secret generated into DATA_DIR is used when unset. */
  sessionSecret: setting('SESSION_SECRET', optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional())),
  /** Unset: secure unless PUBLIC_BASE_URL is http on localhost. */
  cookieSecure: setting(
    'SESSION_COOKIE_SECURE',
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  ),
  sessionIdleTtlMs: setting('SESSION_IDLE_TTL_MS', milliseconds(12 * 3600_000, 60_000)),
  sessionMaxAgeMs: setting('SESSION_MAX_AGE_MS', milliseconds(7 * 24 * 3600_000, 60_000)),
  sessionRotateAfterMs: setting('SESSION_ROTATE_AFTER_MS', milliseconds(15 * 60_000, 1_000)),
  bcryptCost: setting('BCRYPT_COST', count(12, 12, 16)),
  rateLimit: {
    windowMs: setting('AUTH_RATE_LIMIT_WINDOW_MS', milliseconds(15 * 60_000, 1_000)),
    perIp: setting('AUTH_RATE_LIMIT_PER_IP', count(30, 1)),
    perAccount: setting('AUTH_RATE_LIMIT_PER_ACCOUNT', count(10, 1)),
  },
  lockout: {
    threshold: setting('AUTH_LOCKOUT_THRESHOLD', count(5, 1)),
    baseMs: setting('AUTH_LOCKOUT_BASE_MS', milliseconds(60_000, 100)),
    maxMs: setting('AUTH_LOCKOUT_MAX_MS', milliseconds(3600_000, 100)),
  },
  invitationTtlMs: setting('INVITATION_TTL_MS', milliseconds(7 * 24 * 3600_000, 60_000)),
  /** The Business Associate Agreement an owner accepts before HIPAA mode can be switched on: its version and text. */
  baa: {
    version: setting('HIPAA_BAA_VERSION', z.string().trim().regex(/^[\w.-]{1,40}$/, 'must be a short version label').default('2026-11-30')),
    url: setting('HIPAA_BAA_URL', httpUrl().optional()),
    /** The plans whose price includes HIPAA mode (comma-separated): the pay-as-you-go prepaid plan does not by default. */
    plans: setting(
      'HIPAA_PLANS',
      z
        .string()
        .default('subscription')
        .transform((v) => v.split(',').map((p) => p.trim()))
        .pipe(z.array(z.enum(['subscription', 'prepaid'], { error: 'must list plans among subscription, prepaid' })).min(1)),
    ),
  },
};

/** OAuth clients, for single sign-on and (the same clients) calendar connections; each set in pairs. */
export const oauthClients = {
  google: {
    clientId: setting('GOOGLE_OAUTH_CLIENT_ID', optionalText),
    clientSecret: setting('GOOGLE_OAUTH_CLIENT_SECRET', optionalText),
    issuer: setting('GOOGLE_OIDC_ISSUER', httpUrl().default('https://accounts.google.com')),
  },
  microsoft: {
    clientId: setting('MICROSOFT_OAUTH_CLIENT_ID', optionalText),
    clientSecret: setting('MICROSOFT_OAUTH_CLIENT_SECRET', optionalText),
    /** …/common/v2.0 or …/<tenant>/v2.0 */
    issuer: setting('MICROSOFT_OIDC_AUTHORITY', httpUrl().default('https://login.microsoftonline.com/common/v2.0')),
  },
};
