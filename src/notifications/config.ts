import { z } from 'zod';
import { count, milliseconds, optionalMilliseconds, port, setting } from '../platform/config/settings';

export const notifications = {
  /** Unset: email is not configured (`npm run dev` starts its local mailbox and sets it). */
  smtpUrl: setting('SMTP_URL', z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional()),
  mailFrom: setting('MAIL_FROM', z.string().min(3).default('Callgenly <notifications@callgenly.localhost>')),
  devSmtpPort: setting('DEV_SMTP_PORT', port(2525)),
  /** A loop can never mail-bomb anyone: past this, further notices to the same address are held back. */
  maxPerRecipientPerHour: setting('NOTIFY_MAX_PER_RECIPIENT_PER_HOUR', count(20, 1)),
  /** How often notifications whose delivery never started (a crash right after the write) are started. */
  relayIntervalMs: setting('NOTIFICATION_RELAY_INTERVAL_MS', milliseconds(60_000, 1_000)),
  /** The weekly usage report's schedule, replaced by a fixed interval (tests). */
  usageReportEveryMs: setting('USAGE_REPORT_INTERVAL_MS', optionalMilliseconds(1_000)),
};
