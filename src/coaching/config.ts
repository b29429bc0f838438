import { z } from 'zod';
import { count, currency, httpUrl, milliseconds, optionalText, setting } from '../platform/config/settings';

/**
 * Vapi, the coaching service's voice engine. Without an API key, coaching organizations use the built-in
 * Twilio engine. Webhooks are authenticated with an HMAC credential created once in Vapi (its id is sent
 * with every call as `server.credentialId`; its secret verifies `x-signature`).
 */
export const vapi = {
  apiKey: setting('VAPI_API_KEY', optionalText),
  baseUrl: setting('VAPI_BASE_URL', httpUrl().default('https://api.vapi.ai')),
  webhookSecret: setting('VAPI_WEBHOOK_SECRET', optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional())),
  credentialId: setting('VAPI_CREDENTIAL_ID', optionalText),
  /** The model Vapi runs the coach on, `<provider>/<model>` in Vapi's names. */
  model: setting(
    'COACH_VAPI_MODEL',
    z
      .string()
      .regex(/^[a-z0-9-]+\/[\w.:-]+$/, 'must be <provider>/<model>, such as anthropic/claude-sonnet-4-6')
      .default('anthropic/claude-sonnet-4-6')
      .transform((v) => ({ provider: v.split('/')[0]!, model: v.slice(v.indexOf('/') + 1) })),
  ),
  /** The Vapi phone number (a Twilio number imported into Vapi) coaching organizations call from by default. */
  phoneNumberId: setting('VAPI_PHONE_NUMBER_ID', optionalText),
};

/** The coach's calls: defaults for new coaching organizations and the practice call's waits. */
export const coaching = {
  pricePerMinuteMinor: setting('COACH_PRICE_PER_MINUTE_MINOR', count(20, 1)),
  currency: setting('COACH_CURRENCY', currency()),
  lowBalanceMinor: setting('COACH_LOW_BALANCE_MINOR', count(500, 0)),
  /** How long the phone rings before the attempt counts as not answered. */
  ringTimeoutSeconds: setting('COACH_RING_TIMEOUT_SECONDS', count(25, 5, 60)),
  /** After Vapi says a call ended, how long its end-of-call report may take before it is fetched from Vapi. */
  reportWaitMs: setting('COACH_REPORT_WAIT_MS', milliseconds(120_000, 100)),
  /** A planned call's retry wait is minutes in production; tests shorten the minute. */
  retryMinuteMs: setting('COACH_RETRY_MINUTE_MS', milliseconds(60_000, 10)),
  /** Recordings kept by the voice engine are deleted this many days after the call. */
  recordingRetentionDays: setting('COACH_RECORDING_RETENTION_DAYS', count(30, 1, 30)),
};

/**
 * The practice calls' analysis model: Anthropic Claude with ANTHROPIC_API_KEY (the default when it is set),
 * or the OpenAI-compatible endpoint of OPENAI_BASE_URL / OPENAI_API_KEY. Without either, analyses fail with
 * that reason and can be re-run once one is configured.
 */
export const analysis = {
  provider: setting('ANALYSIS_PROVIDER', z.enum(['auto', 'anthropic', 'openai']).default('auto')),
  anthropicApiKey: setting('ANTHROPIC_API_KEY', optionalText),
  anthropicBaseUrl: setting('ANTHROPIC_BASE_URL', httpUrl().optional()),
  model: setting('ANALYSIS_MODEL', z.string().min(1).max(100).default('claude-sonnet-4-6')),
  /** Invalid answers are sent back to the model with what was wrong, this many times, before the analysis fails. */
  correctionAttempts: setting('ANALYSIS_CORRECTION_ATTEMPTS', count(2, 0, 5)),
};

/**
 * Pronunciation, judged only from audio: Azure AI Speech pronunciation assessment (unscripted, through its
 * REST API for short audio) on the learner-only recording. Without a key, pronunciation is "not measured".
 * AZURE_SPEECH_ENDPOINT overrides the region's endpoint (a private endpoint, or a local server in tests).
 */
export const pronunciation = {
  azureKey: setting('AZURE_SPEECH_KEY', optionalText),
  azureRegion: setting('AZURE_SPEECH_REGION', z.string().regex(/^[a-z0-9]+$/, 'must be an Azure region name such as westeurope').default('westeurope')),
  azureEndpoint: setting('AZURE_SPEECH_ENDPOINT', httpUrl().optional()),
  language: setting('PRONUNCIATION_LANGUAGE', z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'must be a locale such as en-US').default('en-US')),
  /** At most this many clips (of at most 30 s, the service's limit) are assessed per call: the cost is per clip. */
  maxClips: setting('PRONUNCIATION_MAX_CLIPS', count(12, 1, 60)),
};

/** How long a closed learner account is kept (restricted) before the retention sweep erases it. */
export const closure = {
  closedAccountRetentionDays: setting('COACH_CLOSED_ACCOUNT_RETENTION_DAYS', count(730, 0, 3650)),
  /** Learners' payment records (top-ups, debits) are kept this long, then purged by the retention sweep. */
  paymentRecordRetentionYears: setting('COACH_PAYMENT_RECORD_RETENTION_YEARS', count(10, 1, 30)),
};
