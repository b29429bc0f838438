import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './projectRoot';
import { flag, masterKey, masterKeyList, milliseconds, optionalText, port, setting, httpUrl } from './settings';

/** The process itself. */
export const core = {
  env: setting('NODE_ENV', z.enum(['development', 'test', 'production'], { error: 'must be development, test or production' }).default('development')),
  logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level' }).default('info')),
  dataDir: setting('DATA_DIR', z.string().default(path.join(PROJECT_ROOT, '.data'))),
  shutdownGraceMs: setting('SHUTDOWN_GRACE_MS', milliseconds(10_000, 0)),
};

export const http = {
  host: setting('HOST', z.string().default('0.0.0.0')),
  /** Both set: the API serves HTTPS itself, TLS 1.3 only. Neither: plain HTTP behind a TLS-terminating proxy. */
  tlsCertPath: setting('TLS_CERT_PATH', optionalText),
  tlsKeyPath: setting('TLS_KEY_PATH', optionalText),
  port: setting('PORT', port(3000)),
  /** Unset: http://localhost:$PORT. */
  publicBaseUrl: setting('PUBLIC_BASE_URL', httpUrl().optional()),
  /** Proxies whose X-Forwarded-For is believed (Express's `trust proxy`); false trusts none. */
  trustProxy: setting(
    'TRUST_PROXY',
    z
      .string()
      .default('loopback')
      .refine((v) => v.split(',').every((part) => /^(loopback|linklocal|uniquelocal|none|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(part.trim())), 'must be none, or a comma-separated list of loopback, linklocal, uniquelocal, addresses or CIDR ranges')
      .transform((v): string[] | false => (v.trim() === 'none' ? false : v.split(',').map((part) => part.trim()))),
  ),
  /** Bearer token Prometheus sends for /metrics; without it /metrics is served in development only. */
  metricsToken: setting('METRICS_TOKEN', z.string().min(16, 'must be at least 16 characters').optional()),
  /** Every Twilio webhook is answered within this long, whatever happens behind it (Twilio gives up at 15 s). */
  webhookDeadlineMs: setting('WEBHOOK_DEADLINE_MS', z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(500).max(14_000).default(10_000)),
};

export const database = {
  url: setting('DATABASE_URL', z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional()),
  poolMax: setting('DATABASE_POOL_MAX', z.coerce.number({ error: 'must be a number' }).int().min(1).max(200).default(10)),
  embeddedPort: setting('EMBEDDED_POSTGRES_PORT', port(54329)),
};

/** What several API replicas share besides PostgreSQL: rate limits and sign-in lockouts, in Redis when set. */
export const redis = {
  url: setting('REDIS_URL', z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
};

export const temporal = {
  address: setting('TEMPORAL_ADDRESS', z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').optional()),
  namespace: setting('TEMPORAL_NAMESPACE', z.string().min(1).default('default')),
  taskQueue: setting('TEMPORAL_TASK_QUEUE', z.string().min(1).default('callgenly')),
  /** Also implied by a client certificate or an API key. */
  tls: setting('TEMPORAL_TLS', flag(false)),
  tlsCertPath: setting('TEMPORAL_TLS_CERT_PATH', optionalText),
  tlsKeyPath: setting('TEMPORAL_TLS_KEY_PATH', optionalText),
  apiKey: setting('TEMPORAL_API_KEY', optionalText),
  cliPath: setting('TEMPORAL_CLI', optionalText),
  connectTimeoutMs: setting('TEMPORAL_CONNECT_TIMEOUT_MS', milliseconds(60_000, 0)),
  /** A workflow bundle built beforehand (bundleWorkflowCode): a worker restarts in seconds instead of bundling again. */
  workflowBundlePath: setting('WORKFLOW_BUNDLE_PATH', optionalText),
  devPort: setting('TEMPORAL_DEV_PORT', port(7233)),
  uiPort: setting('TEMPORAL_UI_PORT', port(8233)),
  /** The Temporal UI server binary `npm run dev` runs (else PATH, the cache, or a `go install`). */
  uiServerPath: setting('TEMPORAL_UI_SERVER', optionalText),
  /** Where operators open the Temporal Web UI: the console links each call, booking, billing cycle and deletion to it. */
  uiUrl: setting('TEMPORAL_UI_URL', httpUrl().optional().transform((v) => v?.replace(/\/$/, ''))),
};

/** Current master key (wraps new data keys) and retired ones (still unwrap, never wrap). */
export const masterKeys = {
  current: setting('MASTER_KEY', masterKey.optional()),
  retired: setting('MASTER_KEYS_RETIRED', masterKeyList),
};

export const twilio = {
  accountSid: setting('TWILIO_ACCOUNT_SID', z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').default('AC00000000000000000000000000000000')),
  /** Signs every webhook; outside production a fixed development token is used when unset. */
  authToken: setting('TWILIO_AUTH_TOKEN', optionalText),
  /** A local server speaking Twilio's REST wire format (tests, the call simulator); unset in production. */
  apiBaseUrl: setting('TWILIO_API_BASE_URL', httpUrl().optional()),
};

/** The codec server: Temporal Web UI origins allowed to call it (with credentials), and its own port. */
export const codec = {
  corsOrigins: setting(
    'CODEC_CORS_ORIGINS',
    z
      .string()
      .default('http://localhost:8233,http://127.0.0.1:8233')
      .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  ),
  port: setting('CODEC_SERVER_PORT', port(8888)),
};
