/**
 * Every kind of notification Callgenly sends: who receives it, whether a person may switch it off, and the
 * data its template needs. A template renders from this payload plus the organization's name and zone.
 */

/** Money as integer minor units with an ISO 4217 currency (e.g. { amountMinor: 1250, currency: 'USD' }). */
export interface Money {
  amountMinor: number;
  currency: string;
}

export interface NotificationPayloads {
  'usage.weekly_report': {
    /** ISO instants bounding the report (end exclusive). */
    periodStart: string;
    periodEnd: string;
    calls: number;
    /** Calls per outcome (booked, message_taken, transferred, ...), only outcomes that occurred. */
    outcomes: Record<string, number>;
    bookings: number;
    /** Billable minutes, rounded up per call. */
    minutes: number;
    /** Charges in the current billing period so far; null until billing is set up. */
    costSoFar: Money | null;
  };
  'billing.payment_failed': { amount: Money; retryAt: string | null; invoiceUrl: string | null; suspendAt?: string | null };
  'billing.suspended': { reason: string };
  'billing.restored': Record<string, never>;
  'billing.low_balance': { balance: Money; topUpUrl: string | null };
  'billing.top_up_received': { amount: Money; balance: Money };
  'security.new_sign_in': { ip: string | null; device: string; method: string };
  'security.password_changed': { ip: string | null };
  'security.api_key_created': { keyName: string; keyPrefix: string; actor: string };
  'security.api_key_revoked': { keyName: string; keyPrefix: string; actor: string };
  'security.role_changed': { from: string; to: string; actor: string };
  'security.sso_linked': { provider: string };
  /** To the invited address (not yet a user): who invited them, as what, and the link that works once. */
  'accounts.invitation': { inviter: string; role: string; acceptUrl: string; expiresAt: string };
  'privacy.export_ready': { downloadUrl: string; expiresAt: string };
  'privacy.deletion_requested': { erasureAt: string; cancelUrl: string | null };
  'privacy.deletion_cancelled': Record<string, never>;
  'privacy.deletion_completed': { completedAt: string };
  /** The message itself is read (and decrypted) at send time: personal data never sits in the payload. */
  'calls.message_taken': { messageId: string; viaFallback: boolean };
  'calendar.connection_broken': { provider: string };
  'policy.changed': { title: string; effectiveAt: string; url: string; summary: string };
  'coaching.top_up_received': { amount: Money; balance: Money };
  'coaching.balance_refunded': { amount: Money; balance: Money };
  'coaching.balance_low': { balance: Money; topUpUrl: string | null };
  /** A planned call was not placed because the balance does not pay for a minute of it. */
  'coaching.call_not_placed': { reason: 'balance_too_low'; balance: Money; minuteCost: Money; scheduledFor: string; topUpUrl: string | null };
  /** The learner's week: calls and minutes in it, level, streak; the full report is behind the link. */
  'coaching.weekly_progress': { weekStart: string; callsThisWeek: number; minutesThisWeek: number; level: string | null; streakWeeks: number; wordsInPractice: number; progressUrl: string };
}

export type NotificationKind = keyof NotificationPayloads;

/**
 * - `user`: a person (a member, the account owner); their preferences apply.
 * - `org_addresses`: the organization's notification addresses (set by its admins), not a person's account.
 */
export type Audience = 'user' | 'org_addresses';

export interface KindRule {
  audience: Audience;
  /** Security and legal notices: always sent by email, whatever the preferences say. */
  mandatory: boolean;
}

export const KINDS: Record<NotificationKind, KindRule> = {
  'usage.weekly_report': { audience: 'user', mandatory: false },
  'billing.payment_failed': { audience: 'user', mandatory: true },
  'billing.suspended': { audience: 'user', mandatory: true },
  'billing.restored': { audience: 'user', mandatory: true },
  'billing.low_balance': { audience: 'user', mandatory: false },
  'billing.top_up_received': { audience: 'user', mandatory: false },
  'security.new_sign_in': { audience: 'user', mandatory: true },
  'security.password_changed': { audience: 'user', mandatory: true },
  'security.api_key_created': { audience: 'user', mandatory: true },
  'security.api_key_revoked': { audience: 'user', mandatory: true },
  'security.role_changed': { audience: 'user', mandatory: true },
  'security.sso_linked': { audience: 'user', mandatory: true },
  'accounts.invitation': { audience: 'user', mandatory: true },
  'privacy.export_ready': { audience: 'user', mandatory: true },
  'privacy.deletion_requested': { audience: 'user', mandatory: true },
  'privacy.deletion_cancelled': { audience: 'user', mandatory: true },
  'privacy.deletion_completed': { audience: 'user', mandatory: true },
  'calls.message_taken': { audience: 'org_addresses', mandatory: false },
  'calendar.connection_broken': { audience: 'org_addresses', mandatory: false },
  'policy.changed': { audience: 'user', mandatory: true },
  'coaching.top_up_received': { audience: 'user', mandatory: false },
  'coaching.balance_refunded': { audience: 'user', mandatory: true },
  'coaching.balance_low': { audience: 'user', mandatory: false },
  'coaching.call_not_placed': { audience: 'user', mandatory: false },
  'coaching.weekly_progress': { audience: 'user', mandatory: false },
};

export const NOTIFICATION_KINDS = Object.keys(KINDS) as NotificationKind[];

export type Channel = 'email' | 'sms';

/** What a template produces: an email (subject, plain text, HTML) and the SMS text for the same notice. */
export interface Rendered {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

/** What every template gets besides its payload. */
export interface TemplateContext {
  /** The organization's name; null for platform notices (policy changes) sent outside any organization. */
  orgName: string | null;
  /** IANA zone every date and time is shown in (the organization's, or UTC). */
  timeZone: string;
  /** The recipient's name when known (a member), for the greeting. */
  recipientName: string | null;
  /** Present on non-mandatory kinds: a link that switches this kind off without signing in. */
  unsubscribeUrl: string | null;
}

/** Data a template reads at send time instead of from the payload (decrypted just before sending). */
export interface MessageTakenDetails {
  callerName: string;
  callbackE164: string | null;
  body: string;
  takenAt: string;
  viaFallback: boolean;
}

/** What each kind's template renders from: the payload, except message-taken, which gets the message itself. */
export type TemplateData = Omit<NotificationPayloads, 'calls.message_taken'> & { 'calls.message_taken': MessageTakenDetails };
