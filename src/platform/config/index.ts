import path from 'node:path';
import { z } from 'zod';
import { auth, oauthClients } from '../../accounts/config';
import { billing, prepaid, stripe } from '../../billing/config';
import { calendarEndpoints } from '../../booking/config';
import { calls, llm } from '../../calls/config';
import { analysis, closure, coaching, pronunciation, vapi } from '../../coaching/config';
import { notifications } from '../../notifications/config';
import { deletion, exportLinks, retention } from '../../privacy/config';
import { codec, core, database, http, masterKeys, redis, temporal, twilio } from './platformSettings';
import { assertUnique } from '../registration';
import { settingsIn, valuesOf, type SettingsSpec } from './settings';

export { PROJECT_ROOT } from './projectRoot';

/**
 * Every setting, by section; each domain keeps its own (`src/<domain>/config.ts`), each setting written
 * once: its variable, its schema, its default. `.env.example` documents every variable.
 */
const SECTIONS = {
  core,
  http,
  database,
  redis,
  temporal,
  masterKeys,
  twilio,
  codec,
  llm,
  calls,
  auth,
  oauthClients,
  calendarEndpoints,
  stripe,
  billing,
  prepaid,
  notifications,
  retention,
  deletion,
  exportLinks,
  vapi,
  coaching,
  analysis,
  pronunciation,
  closure,
} satisfies Record<string, SettingsSpec>;

const SETTINGS = Object.values(SECTIONS).flatMap(settingsIn);

/** Every variable name the platform reads. */
export const ENV_VARIABLES = SETTINGS.map((s) => s.env);
assertUnique('environment variable', ENV_VARIABLES);

const schema = z.object(Object.fromEntries(SETTINGS.map((s) => [s.env, s.schema])));

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

type Raw = { [K in keyof typeof SECTIONS]: ReturnType<typeof valuesOf<(typeof SECTIONS)[K]>> };

export type Config = ReturnType<typeof configFrom>;
export type AuthConfig = Config['auth'];
export type OidcClientConfig = NonNullable<AuthConfig['sso']['google']>;
export type StripeConfig = NonNullable<Config['stripe']>;
export type BillingConfig = Config['billing'];

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
  const raw = parsed.success ? (Object.fromEntries(Object.entries(SECTIONS).map(([name, spec]) => [name, valuesOf(spec, parsed.data)])) as Raw) : undefined;
  const required = new Set(options.require ?? []);
  if (raw?.core.env === 'production') {
    required.add('MASTER_KEY');
    required.add('TWILIO_AUTH_TOKEN');
    required.add('SESSION_SECRET');
  }
  for (const name of required) {
    if (!env[name]?.trim()) problems.push(`${name} is required`);
  }
  if (raw) {
    if (Boolean(raw.temporal.tlsCertPath) !== Boolean(raw.temporal.tlsKeyPath)) problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
    if (Boolean(raw.http.tlsCertPath) !== Boolean(raw.http.tlsKeyPath)) problems.push('TLS_CERT_PATH and TLS_KEY_PATH must be set together');
    if (raw.auth.cookieSecure === false && !isLocalHttp(publicBaseUrl(raw))) problems.push('SESSION_COOKIE_SECURE may be false only when PUBLIC_BASE_URL is http on localhost');
    for (const [provider, client] of Object.entries(raw.oauthClients)) {
      const name = provider.toUpperCase();
      if (Boolean(client.clientId) !== Boolean(client.clientSecret)) problems.push(`${name}_OAUTH_CLIENT_ID and ${name}_OAUTH_CLIENT_SECRET must be set together`);
    }
  }
  if (problems.length > 0 || !raw) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return configFrom(raw);
}

/** The sections as the code uses them, with what is derived from several settings. */
function configFrom(raw: Raw) {
  const baseUrl = publicBaseUrl(raw);
  const { google, microsoft } = raw.oauthClients;
  const endpoints = raw.calendarEndpoints;
  return {
    env: raw.core.env,
    logLevel: raw.core.logLevel,
    dataDir: path.resolve(raw.core.dataDir),
    shutdownGraceMs: raw.core.shutdownGraceMs,
    http: { ...raw.http, publicBaseUrl: baseUrl },
    database: raw.database,
    redis: raw.redis,
    temporal: { ...raw.temporal, tls: raw.temporal.tls || Boolean(raw.temporal.tlsCertPath) || Boolean(raw.temporal.apiKey) },
    masterKeys: raw.masterKeys,
    /** `authTokenSet`: a real account is configured (otherwise the development token signs and checks webhooks). */
    twilio: { ...raw.twilio, authToken: raw.twilio.authToken ?? DEV_TWILIO_AUTH_TOKEN, authTokenSet: Boolean(raw.twilio.authToken) },
    codec: raw.codec,
    llm: raw.llm,
    calls: raw.calls,
    auth: {
      ...raw.auth,
      // Secure cookies unless told otherwise, and "otherwise" is only accepted for local http (checked above).
      cookieSecure: raw.auth.cookieSecure ?? !isLocalHttp(baseUrl),
      sso: { google: oidcClient(google), microsoft: oidcClient(microsoft) },
    },
    /** Calendar connections, with the same OAuth clients as single sign-on; absent when that client is not configured. */
    calendars: {
      google:
        google.clientId && google.clientSecret
          ? {
              clientId: google.clientId,
              clientSecret: google.clientSecret,
              redirectUri: `${baseUrl}/api/v1/calendar-connections/google/callback`,
              apiRootUrl: endpoints.googleApiUrl,
              authUrl: endpoints.googleAuthorizeUrl,
              tokenUrl: endpoints.googleTokenUrl,
              revokeUrl: endpoints.googleRevokeUrl,
            }
          : undefined,
      microsoft:
        microsoft.clientId && microsoft.clientSecret
          ? {
              clientId: microsoft.clientId,
              clientSecret: microsoft.clientSecret,
              redirectUri: `${baseUrl}/api/v1/calendar-connections/microsoft/callback`,
              authority: endpoints.microsoftAuthority,
              graphBaseUrl: endpoints.microsoftGraphUrl,
            }
          : undefined,
    },
    /** Absent without STRIPE_SECRET_KEY: billing is off (usage is still recorded in the ledger). */
    stripe: raw.stripe.secretKey ? { ...raw.stripe, secretKey: raw.stripe.secretKey } : undefined,
    billing: raw.billing,
    prepaid: raw.prepaid,
    notifications: raw.notifications,
    retention: raw.retention,
    deletion: raw.deletion,
    exports: raw.exportLinks,
    /** Absent without VAPI_API_KEY: coaching organizations call through the built-in Twilio engine. */
    vapi: raw.vapi.apiKey ? { ...raw.vapi, apiKey: raw.vapi.apiKey } : undefined,
    coaching: { ...raw.coaching, ...raw.closure },
    analysis: raw.analysis,
    /** Absent without AZURE_SPEECH_KEY: pronunciation is not measured. */
    pronunciation: raw.pronunciation.azureKey
      ? { key: raw.pronunciation.azureKey, endpoint: (raw.pronunciation.azureEndpoint ?? `https://${raw.pronunciation.azureRegion}.stt.speech.microsoft.com`).replace(/\/$/, ''), region: raw.pronunciation.azureRegion, language: raw.pronunciation.language, maxClips: raw.pronunciation.maxClips }
      : undefined,
  };
}

function publicBaseUrl(raw: Raw): string {
  const scheme = raw.http.tlsCertPath ? 'https' : 'http';
  return (raw.http.publicBaseUrl ?? `${scheme}://localhost:${raw.http.port}`).replace(/\/$/, '');
}

function isLocalHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

function oidcClient(client: { clientId?: string; clientSecret?: string; issuer: string }) {
  return client.clientId && client.clientSecret ? { clientId: client.clientId, clientSecret: client.clientSecret, issuer: client.issuer.replace(/\/$/, '') } : undefined;
}

/** Secrets are never echoed back in a configuration error. */
function redact(name: string, value: string): string {
  return /KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL/.test(name) ? '<redacted>' : value;
}
