import { z } from 'zod';
import { flag, httpUrl, optionalText, setting } from '../platform/config/settings';

/** The agent's model: any OpenAI-compatible chat-completions endpoint. */
export const llm = {
  baseUrl: setting('OPENAI_BASE_URL', httpUrl().default('https://api.openai.com/v1')),
  apiKey: setting('OPENAI_API_KEY', optionalText),
  model: setting('LLM_MODEL', z.string().min(1).default('gpt-4o-mini')),
  /** The agent's per-turn deadline; past it the caller hears the scripted path. */
  turnTimeoutMs: setting('LLM_TURN_TIMEOUT_MS', z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(500).max(12_000, "must stay well under Twilio's 15 s webhook limit").default(8_000)),
  stream: setting('LLM_STREAM', flag(true)),
};

export const calls = {
  /** Ask Twilio for a call's status when no final status callback arrived after this long. */
  statusCheckAfterMs: setting('CALL_STATUS_CHECK_AFTER_MS', z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).default(300_000)),
  /** Asking Twilio for it is retried this long at most; then the call ends with the status `unknown`. */
  statusGiveUpMs: setting('CALL_STATUS_GIVE_UP_MS', z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).default(3_600_000)),
};
