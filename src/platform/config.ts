import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { GoogleCalendarOAuth } from '../booking/calendars/google';
import type { MicrosoftCalendarOAuth } from '../booking/calendars/microsoft';
import { parseMasterKeySpec, type MasterKey } from './crypto/masterKeys';

/** The folder holding package.json, whether we run from src/ (tsx, jest) or dist/src/ (a build). */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be an integer')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(fallback);

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const milliseconds = (fallback: number, min: number) =>
  z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(min, `must be at least ${min} ms`).default(fallback);

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const masterKey = z.string().transform((value, ctx): MasterKey => {
  try {
    return parseMasterKeySpec(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const masterKeyList = z
  .string()
  .optional()
  .transform((value, ctx): MasterKey[] => {
    const specs = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    try {
      return specs.map(parseMasterKeySpec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** Every environment variable the platform reads; `.env.example` documents each one. */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production'], { error: 'must be development, test or production' }).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level' }).default('info'),
  HOST: z.string().default('0.0.0.0'),
  PORT: port(3000),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .refine((v) => v.split(',').every((part) => /^(loopback|linklocal|uniquelocal|none|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(part.trim())), 'must be none, or a comma-separated list of loopback, linklocal, uniquelocal, addresses or CIDR ranges'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_DEADLINE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(500).max(14_000).default(10_000),
  DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
  DATABASE_POOL_MAX: z.coerce.number({ error: 'must be a number' }).int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_PORT: port(54329),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('callgenly'),
  TEMPORAL_TLS: boolean(false),
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_CLI: optionalText,
  TEMPORAL_CONNECT_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).default(60_000),
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  MASTER_KEY: masterKey.optional(),
  MASTER_KEYS_RETIRED: masterKeyList,
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').default('AC00000000000000000000000000000000'),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://api.openai.com/v1'),
  OPENAI_API_KEY: optionalText,
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_STREAM: boolean(true),
  LLM_TURN_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(500).max(12_000, 'must stay well under Twilio\'s 15 s webhook limit').default(8_000),
  CALL_STATUS_CHECK_AFTER_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).default(300_000),
  SHUTDOWN_GRACE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).default(10_000),
  APP_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SESSION_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  SESSION_COOKIE_SECURE: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  SESSION_IDLE_TTL_MS: milliseconds(12 * 3600_000, 60_000),
  SESSION_MAX_AGE_MS: milliseconds(7 * 24 * 3600_000, 60_000),
  SESSION_ROTATE_AFTER_MS: milliseconds(15 * 60_000, 1_000),
  BCRYPT_COST: z.coerce.number({ error: 'must be a number' }).int().min(12, 'must be at least 12').max(16).default(12),
  AUTH_RATE_LIMIT_WINDOW_MS: milliseconds(15 * 60_000, 1_000),
  AUTH_RATE_LIMIT_PER_IP: z.coerce.number({ error: 'must be a number' }).int().min(1).default(30),
  AUTH_RATE_LIMIT_PER_ACCOUNT: z.coerce.number({ error: 'must be a number' }).int().min(1).default(10),
  AUTH_LOCKOUT_THRESHOLD: z.coerce.number({ error: 'must be a number' }).int().min(1).default(5),
  AUTH_LOCKOUT_BASE_MS: milliseconds(60_000, 100),
  AUTH_LOCKOUT_MAX_MS: milliseconds(3600_000, 100),
  INVITATION_TTL_MS: milliseconds(7 * 24 * 3600_000, 60_000),
  GOOGLE_OAUTH_CLIENT_ID: optionalText,
  GOOGLE_OAUTH_CLIENT_SECRET: optionalText,
  GOOGLE_OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://accounts.google.com'),
  MICROSOFT_OAUTH_CLIENT_ID: optionalText,
  MICROSOFT_OAUTH_CLIENT_SECRET: optionalText,
  MICROSOFT_OIDC_AUTHORITY: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://login.microsoftonline.com/common/v2.0'),
  GOOGLE_CALENDAR_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://www.googleapis.com/'),
  GOOGLE_OAUTH_AUTHORIZE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_OAUTH_TOKEN_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://oauth2.googleapis.com/token'),
  GOOGLE_OAUTH_REVOKE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://oauth2.googleapis.com/revoke'),
  MICROSOFT_CALENDAR_AUTHORITY: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://login.microsoftonline.com/common'),
  MICROSOFT_GRAPH_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://graph.microsoft.com'),
  STRIPE_SECRET_KEY: optionalText.pipe(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key (sk_test_…, sk_live_…)').optional()),
  STRIPE_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  STRIPE_WEBHOOK_SECRET: optionalText.pipe(z.string().startsWith('whsec_', 'must be the endpoint\'s signing secret (whsec_…)').optional()),
  STRIPE_METER_EVENT_NAME: z.string().regex(/^[a-z0-9_]{1,100}$/, 'must be lowercase letters, digits and _').default('callgenly_call_seconds'),
  STRIPE_BASE_PRICE_ID: optionalText.pipe(z.string().startsWith('price_', 'must be a Stripe price id (price_…)').optional()),
  STRIPE_USAGE_PRICE_ID: optionalText.pipe(z.string().startsWith('price_', 'must be a Stripe price id (price_…)').optional()),
  PLAN_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
  PLAN_BASE_MONTHLY_MINOR: z.coerce.number({ error: 'must be a number' }).int().min(0).default(4900),
  PLAN_INCLUDED_MINUTES: z.coerce.number({ error: 'must be a number' }).int().min(0).default(300),
  PLAN_PER_MINUTE_MINOR: z.coerce.number({ error: 'must be a number' }).int().min(0).default(25),
  BILLING_PERIOD_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).optional(),
  BILLING_DUNNING_MS: milliseconds(14 * 24 * 3600_000, 1_000),
  BILLING_RECORD_RETENTION_YEARS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(30).default(7),
  RETENTION_SCHEDULE_ID: z.string().regex(/^retention-sweep(?:[_:-][\w:.-]{0,180})?$/, 'must be retention-sweep, or begin retention-sweep followed by _ : or - (letters, digits, _ : . -)').default('retention-sweep'),
  RETENTION_SWEEP_INTERVAL_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).optional(),
  RETENTION_BATCH_SIZE: z.coerce.number({ error: 'must be a number' }).int().min(1).max(50_000).default(5_000),
  CODEC_CORS_ORIGINS: z
    .string()
    .default('http://localhost:8233,http://127.0.0.1:8233')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  CODEC_SERVER_PORT: port(8888),
  EXPORT_LINK_TTL_MS: milliseconds(72 * 3600_000, 1_000),
  DELETION_GRACE_MS: milliseconds(7 * 24 * 3600_000, 1_000),
  DELETION_DEADLINE_MS: milliseconds(30 * 24 * 3600_000, 1_000),
  DELETION_ALERT_BEFORE_MS: milliseconds(7 * 24 * 3600_000, 0),
  PREPAID_PRICE_PER_UNIT_MINOR: z.coerce.number({ error: 'must be a number' }).int().min(0).default(10),
  PREPAID_UNIT_SECONDS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(3600).default(60),
  PREPAID_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
  PREPAID_LOW_BALANCE_MINOR: z.coerce.number({ error: 'must be a number' }).int().min(0).default(500),
  USAGE_CATCH_UP_INTERVAL_MS: milliseconds(3_600_000, 1_000),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Callgenly <notifications@callgenly.localhost>'),
  DEV_SMTP_PORT: port(2525),
  NOTIFY_MAX_PER_RECIPIENT_PER_HOUR: z.coerce.number({ error: 'must be a number' }).int().min(1).default(20),
  NOTIFICATION_RELAY_INTERVAL_MS: milliseconds(60_000, 1_000),
  USAGE_REPORT_INTERVAL_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).optional(),
});

/** Every variable name the platform reads. */
export const ENV_VARIABLES = Object.keys(schema.shape);

export interface Config {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  http: {
    host: string;
    port: number;
    publicBaseUrl: string;
    /** Proxies whose X-Forwarded-For is believed (Express's `trust proxy`); false trusts none. */
    trustProxy: string[] | false;
    /** Bearer token Prometheus sends for /metrics; without it /metrics is served in development only. */
    metricsToken?: string;
    /** Every Twilio webhook is answered within this long, whatever happens behind it (Twilio gives up at 15 s). */
    webhookDeadlineMs: number;
  };
  dataDir: string;
  database: { url?: string; poolMax: number; embeddedPort: number };
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    tls: boolean;
    tlsCertPath?: string;
    tlsKeyPath?: string;
    apiKey?: string;
    cliPath?: string;
    connectTimeoutMs: number;
    devPort: number;
    uiPort: number;
  };
  /** Current master key (wraps new data keys) and retired ones (still unwrap, never wrap). */
  masterKeys: { current?: MasterKey; retired: MasterKey[] };
  twilio: {
    accountSid: string;
    /** Signs every webhook; outside production a fixed development token is used when unset. */
    authToken: string;
    /** A local server speaking Twilio's REST wire format (tests, the call simulator); unset in production. */
    apiBaseUrl?: string;
  };
  llm: { baseUrl: string; apiKey?: string; model: string; turnTimeoutMs: number; stream: boolean };
  calls: { statusCheckAfterMs: number };
  /** Calendar connections, with the same OAuth clients as single sign-on; absent when that client is not configured. */
  calendars: { google?: GoogleCalendarOAuth; microsoft?: MicrosoftCalendarOAuth };
  shutdownGraceMs: number;
  auth: AuthConfig;
  notifications: NotificationsConfig;
  /** Absent without STRIPE_SECRET_KEY: billing is off (usage is still recorded in the ledger). */
  stripe?: StripeConfig;
  /** The receptionist plan and the billing cycle's timing, with or without Stripe. */
  billing: BillingConfig;
  retention: RetentionConfig;
  /** Account deletion: the grace period an owner can cancel in, and the promise to finish within 30 days. */
  deletion: { graceMs: number; deadlineMs: number; alertBeforeMs: number };
  /** The codec server: Temporal Web UI origins allowed to call it (with credentials), and its own port. */
  codec: { corsOrigins: string[]; port: number };
  /** A data export's single-use download link lives this long; then the archive is dropped. */
  exports: { linkTtlMs: number };
  /** Organizations on a prepaid balance pay per started minute; calls stop at zero. */
  prepaid: { perUnitMinor: number; unitSeconds: number; currency: string; lowBalanceMinor: number; usageCatchUpIntervalMs: number };
}

export interface RetentionConfig {
  /** The sweep's schedule: `retention-sweep`, unless deployments share a Temporal namespace (tests). */
  scheduleId: string;
  /** Unset: daily at 03:00 UTC. Short in tests. */
  intervalMs?: number;
  /** Calls deleted per statement: big enough to be fast, small enough to keep locks short. */
  batchSize: number;
}

export interface BillingConfig {
  /** The subscription plan: a monthly base fee with minutes included, then a price per minute (billed by the second). */
  plan: { currency: string; baseMonthlyMinor: number; includedMinutes: number; perMinuteMinor: number };
  /** A billing period's length; unset means a calendar month (UTC). Short in tests. */
  periodMs?: number;
  /** How long a failed payment may stay unpaid before the organization is suspended. */
  dunningMs: number;
  recordRetentionYears: number;
}

export interface StripeConfig {
  secretKey: string;
  /** A local server speaking Stripe's API (stripe-mock in tests); unset in production. */
  apiUrl?: string;
  /** The Billing Meter's event name that call seconds are reported under. */
  meterEventName: string;
  /** Verifies `Stripe-Signature` on POST /stripe/webhook; without it the endpoint refuses every event. */
  webhookSecret?: string;
  /** The plan's prices, as `npm run stripe:setup` printed them; without both no subscription is created. */
  basePriceId?: string;
  usagePriceId?: string;
}

export interface NotificationsConfig {
  /** Unset: email is not configured (`npm run dev` starts its local mailbox and sets it). */
  smtpUrl?: string;
  mailFrom: string;
  devSmtpPort: number;
  /** A loop can never mail-bomb anyone: past this, further notices to the same address are suppressed. */
  maxPerRecipientPerHour: number;
  /** How often notifications whose delivery never started (a crash right after the write) are started. */
  relayIntervalMs: number;
  /** The weekly usage report's schedule, replaced by a fixed interval (tests). */
  usageReportEveryMs?: number;
}

export interface OidcClientConfig {
  clientId: string;
  clientSecret: string;
  /** Google: the issuer. Microsoft: the authority (…/common/v2.0 or …/<tenant>/v2.0). */
  issuer: string;
}

export interface AuthConfig {
  /** Where browsers land after single sign-on and where invitation links point (the admin UI). Unset: single sign-on answers with JSON and invitations carry only a token. */
  appUrl?: string;
  /** Signs session and invitation tokens; outside production a secret generated into DATA_DIR is used when unset. */
  sessionSecret?: string;
  cookieSecure: boolean;
  sessionIdleTtlMs: number;
  sessionMaxAgeMs: number;
  sessionRotateAfterMs: number;
  bcryptCost: number;
  rateLimit: { windowMs: number; perIp: number; perAccount: number };
  lockout: { threshold: number; baseMs: number; maxMs: number };
  invitationTtlMs: number;
  sso: { google?: OidcClientConfig; microsoft?: OidcClientConfig };
}

/** Used to sign and check webhooks in development and tests only; production must set TWILIO_AUTH_TOKEN. */
export const DEV_TWILIO_AUTH_TOKEN = 'callgenly-dev-twilio-auth-token';

/** A configuration problem: `message` is one line naming each offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions {
  /** Entry points that connect to external services (server, worker) need these set. */
  require?: Array<'DATABASE_URL' | 'TEMPORAL_ADDRESS' | 'MASTER_KEY' | 'TWILIO_AUTH_TOKEN' | 'SESSION_SECRET' | 'STRIPE_SECRET_KEY'>;
}

export function loadConfig(env: Record<string, string | undefined> = process.env, options: LoadOptions = {}): Config {
  const problems: string[] = [];
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      const got = env[name];
      problems.push(`${name} ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redact(name, got))})`}`);
    }
  }
  const required = new Set(options.require ?? []);
  if (parsed.success && parsed.data.NODE_ENV === 'production') {
    required.add('MASTER_KEY');
    required.add('TWILIO_AUTH_TOKEN');
    required.add('SESSION_SECRET');
  }
  for (const name of required) {
    if (!env[name]?.trim()) problems.push(`${name} is required`);
  }
  if (parsed.success) {
    const { TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key } = parsed.data;
    if (Boolean(cert) !== Boolean(key)) problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
    if (parsed.data.SESSION_COOKIE_SECURE === false && !isLocalHttp(publicBaseUrl(parsed.data))) {
      problems.push('SESSION_COOKIE_SECURE may be false only when PUBLIC_BASE_URL is http on localhost');
    }
    for (const provider of ['GOOGLE', 'MICROSOFT'] as const) {
      if (Boolean(parsed.data[`${provider}_OAUTH_CLIENT_ID`]) !== Boolean(parsed.data[`${provider}_OAUTH_CLIENT_SECRET`])) {
        problems.push(`${provider}_OAUTH_CLIENT_ID and ${provider}_OAUTH_CLIENT_SECRET must be set together`);
      }
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicBaseUrl: publicBaseUrl(e),
      trustProxy: e.TRUST_PROXY.trim() === 'none' ? false : e.TRUST_PROXY.split(',').map((part) => part.trim()),
      metricsToken: e.METRICS_TOKEN,
      webhookDeadlineMs: e.WEBHOOK_DEADLINE_MS,
    },
    dataDir: path.resolve(e.DATA_DIR),
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, embeddedPort: e.EMBEDDED_POSTGRES_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_TLS_CERT_PATH) || Boolean(e.TEMPORAL_API_KEY),
      tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
      apiKey: e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI,
      connectTimeoutMs: e.TEMPORAL_CONNECT_TIMEOUT_MS,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    masterKeys: { current: e.MASTER_KEY, retired: e.MASTER_KEYS_RETIRED },
    twilio: { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN ?? DEV_TWILIO_AUTH_TOKEN, apiBaseUrl: e.TWILIO_API_BASE_URL },
    llm: { baseUrl: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY, model: e.LLM_MODEL, turnTimeoutMs: e.LLM_TURN_TIMEOUT_MS, stream: e.LLM_STREAM },
    calls: { statusCheckAfterMs: e.CALL_STATUS_CHECK_AFTER_MS },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    stripe: e.STRIPE_SECRET_KEY ? { secretKey: e.STRIPE_SECRET_KEY, apiUrl: e.STRIPE_API_URL, meterEventName: e.STRIPE_METER_EVENT_NAME, webhookSecret: e.STRIPE_WEBHOOK_SECRET, basePriceId: e.STRIPE_BASE_PRICE_ID, usagePriceId: e.STRIPE_USAGE_PRICE_ID } : undefined,
    exports: { linkTtlMs: e.EXPORT_LINK_TTL_MS },
    codec: { corsOrigins: e.CODEC_CORS_ORIGINS, port: e.CODEC_SERVER_PORT },
    deletion: { graceMs: e.DELETION_GRACE_MS, deadlineMs: e.DELETION_DEADLINE_MS, alertBeforeMs: e.DELETION_ALERT_BEFORE_MS },
    retention: { scheduleId: e.RETENTION_SCHEDULE_ID, intervalMs: e.RETENTION_SWEEP_INTERVAL_MS, batchSize: e.RETENTION_BATCH_SIZE },
    billing: {
      plan: { currency: e.PLAN_CURRENCY, baseMonthlyMinor: e.PLAN_BASE_MONTHLY_MINOR, includedMinutes: e.PLAN_INCLUDED_MINUTES, perMinuteMinor: e.PLAN_PER_MINUTE_MINOR },
      periodMs: e.BILLING_PERIOD_MS,
      dunningMs: e.BILLING_DUNNING_MS,
      recordRetentionYears: e.BILLING_RECORD_RETENTION_YEARS,
    },
    prepaid: { perUnitMinor: e.PREPAID_PRICE_PER_UNIT_MINOR, unitSeconds: e.PREPAID_UNIT_SECONDS, currency: e.PREPAID_CURRENCY, lowBalanceMinor: e.PREPAID_LOW_BALANCE_MINOR, usageCatchUpIntervalMs: e.USAGE_CATCH_UP_INTERVAL_MS },
    notifications: {
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      devSmtpPort: e.DEV_SMTP_PORT,
      maxPerRecipientPerHour: e.NOTIFY_MAX_PER_RECIPIENT_PER_HOUR,
      relayIntervalMs: e.NOTIFICATION_RELAY_INTERVAL_MS,
      usageReportEveryMs: e.USAGE_REPORT_INTERVAL_MS,
    },
    auth: {
      appUrl: e.APP_URL?.replace(/\/$/, ''),
      sessionSecret: e.SESSION_SECRET,
      // Secure cookies unless told otherwise, and "otherwise" is only accepted for local http (checked above).
      cookieSecure: e.SESSION_COOKIE_SECURE ?? !isLocalHttp(publicBaseUrl(e)),
      sessionIdleTtlMs: e.SESSION_IDLE_TTL_MS,
      sessionMaxAgeMs: e.SESSION_MAX_AGE_MS,
      sessionRotateAfterMs: e.SESSION_ROTATE_AFTER_MS,
      bcryptCost: e.BCRYPT_COST,
      rateLimit: { windowMs: e.AUTH_RATE_LIMIT_WINDOW_MS, perIp: e.AUTH_RATE_LIMIT_PER_IP, perAccount: e.AUTH_RATE_LIMIT_PER_ACCOUNT },
      lockout: { threshold: e.AUTH_LOCKOUT_THRESHOLD, baseMs: e.AUTH_LOCKOUT_BASE_MS, maxMs: e.AUTH_LOCKOUT_MAX_MS },
      invitationTtlMs: e.INVITATION_TTL_MS,
      sso: {
        google: oidcClient(e.GOOGLE_OAUTH_CLIENT_ID, e.GOOGLE_OAUTH_CLIENT_SECRET, e.GOOGLE_OIDC_ISSUER),
        microsoft: oidcClient(e.MICROSOFT_OAUTH_CLIENT_ID, e.MICROSOFT_OAUTH_CLIENT_SECRET, e.MICROSOFT_OIDC_AUTHORITY),
      },
    },
    calendars: {
      google: e.GOOGLE_OAUTH_CLIENT_ID && e.GOOGLE_OAUTH_CLIENT_SECRET
        ? {
            clientId: e.GOOGLE_OAUTH_CLIENT_ID,
            clientSecret: e.GOOGLE_OAUTH_CLIENT_SECRET,
            redirectUri: `${publicBaseUrl(e)}/api/v1/calendar-connections/google/callback`,
            apiRootUrl: e.GOOGLE_CALENDAR_API_URL,
            authUrl: e.GOOGLE_OAUTH_AUTHORIZE_URL,
            tokenUrl: e.GOOGLE_OAUTH_TOKEN_URL,
            revokeUrl: e.GOOGLE_OAUTH_REVOKE_URL,
          }
        : undefined,
      microsoft: e.MICROSOFT_OAUTH_CLIENT_ID && e.MICROSOFT_OAUTH_CLIENT_SECRET
        ? {
            clientId: e.MICROSOFT_OAUTH_CLIENT_ID,
            clientSecret: e.MICROSOFT_OAUTH_CLIENT_SECRET,
            redirectUri: `${publicBaseUrl(e)}/api/v1/calendar-connections/microsoft/callback`,
            authority: e.MICROSOFT_CALENDAR_AUTHORITY.replace(/\/$/, ''),
            graphBaseUrl: e.MICROSOFT_GRAPH_URL.replace(/\/$/, ''),
          }
        : undefined,
    },
  };
}

type Parsed = z.output<typeof schema>;

function publicBaseUrl(e: Parsed): string {
  return (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
}

function isLocalHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

function oidcClient(clientId: string | undefined, clientSecret: string | undefined, issuer: string): OidcClientConfig | undefined {
  return clientId && clientSecret ? { clientId, clientSecret, issuer: issuer.replace(/\/$/, '') } : undefined;
}

/** Secrets are never echoed back in a configuration error. */
function redact(name: string, value: string): string {
  return /KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL/.test(name) ? '<redacted>' : value;
}
