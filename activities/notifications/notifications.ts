import { ApplicationFailure } from '@temporalio/activity';
import { whileHeartbeating } from '../platform/heartbeats';
import { MESSAGE_BODY_CONTEXT, MESSAGE_CALLBACK_CONTEXT, MESSAGE_CALLER_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone } from '../../src/platform/crypto/phoneNumbers';
import type { Knex } from 'knex';
import { EmailRejectedError } from '../../src/notifications/channels/email';
import { SmsOptedOutError } from '../../src/notifications/channels/sms';
import { KINDS, type NotificationKind, type NotificationPayloads, type TemplateData } from '../../src/notifications/kinds';
import { resolveDeliveries } from '../../src/notifications/recipients';
import { organizationsToSchedule, scheduleUsageReport } from '../../src/notifications/schedules';
import { isPermanentTwilioError } from '../../src/platform/providers/twilio';
import { renderNotification } from '../../src/notifications/templates';
import { unsubscribeUrl } from '../../src/notifications/unsubscribe';
import type { DeliveryResult, NotificationInput } from '../../workflows/notifications/definitions';
import type { Services } from '../../src/deps';
import { ProcessingLimits } from '../../src/privacy/processingLimits';

export type NotificationActivityDeps = Pick<Services, 'config' | 'db' | 'fields' | 'tokens' | 'notifier' | 'temporal' | 'logger' | 'email' | 'sms'>;

interface NotificationRow {
  id: string;
  org_id: string | null;
  user_id: string | null;
  kind: NotificationKind;
  channel: 'email' | 'sms';
  recipient: string;
  payload: Record<string, unknown>;
  mandatory: boolean;
  status: string;
}

/**
 * Delivery runs with the owner role: it is system work across people and organizations. Exactly once as
 * far as the channel allows: a row marked sent is never sent again, and the mark follows the send at once;
 * a worker dying inside that gap (after the SMTP server's 250, before the mark) is the one case that sends
 * twice, and the Message-ID, fixed per notification, lets the receiving side recognise it.
 */
export function createNotificationActivities(deps: NotificationActivityDeps) {
  const { db } = deps;
  const finish = (id: string, status: 'sent' | 'failed' | 'suppressed', values: Record<string, unknown>) =>
    db('notifications').where({ id }).whereIn('status', ['pending', 'sending']).update({ status, ...values, updated_at: db.fn.now() });

  /** Why a notice must not go at all (preference changed, address or number removed), if so. */
  async function suppression(row: NotificationRow): Promise<string | null> {
    if (!row.mandatory && row.user_id) {
      const preference = await db('notification_preferences').where({ user_id: row.user_id, kind: row.kind }).first();
      if (preference && preference[row.channel] === false) return 'switched off by the recipient';
    }
    if (KINDS[row.kind].audience === 'org_addresses' && row.org_id) {
      const current = await resolveDeliveries(db, row.kind, row.org_id, 'org_addresses');
      const listed = current.some((d) => d.channel === row.channel && d.recipient.toLowerCase() === row.recipient.toLowerCase());
      if (!listed) return 'address no longer on the notification list';
    }
    return null;
  }

  /** Whether this address already had its hourly share: a loop can never mail-bomb anyone. */
  async function overHourlyLimit(row: NotificationRow): Promise<boolean> {
    const recent = await db('notifications')
      .where({ recipient: row.recipient, status: 'sent' })
      .where('sent_at', '>', db.raw(`now() - interval '1 hour'`))
      .count({ count: '*' })
      .first();
    return Number(recent?.count) >= deps.config.notifications.maxPerRecipientPerHour;
  }

  const note = (id: string, reason: string) => db('notifications').where({ id }).update({ reason, updated_at: db.fn.now() });

  async function templateData(row: NotificationRow): Promise<TemplateData[NotificationKind]> {
    if (row.kind !== 'calls.message_taken') return row.payload as TemplateData[NotificationKind];
    const orgId = row.org_id!;
    const message = await db('messages').where({ id: row.payload.messageId, org_id: orgId }).first();
    if (!message) throw ApplicationFailure.nonRetryable('the message no longer exists', 'Undeliverable');
    return {
      callerName: message.caller_name_ciphertext ? await deps.fields.decrypt(orgId, MESSAGE_CALLER_CONTEXT, message.caller_name_ciphertext) : 'A caller',
      callbackE164: await openPhone(deps.fields, orgId, MESSAGE_CALLBACK_CONTEXT, message),
      body: await deps.fields.decrypt(orgId, MESSAGE_BODY_CONTEXT, message.body_ciphertext),
      takenAt: new Date(message.created_at).toISOString(),
      viaFallback: Boolean(row.payload.viaFallback),
    };
  }

  async function send(row: NotificationRow): Promise<string> {
    const org = row.org_id ? await db('organizations').where({ id: row.org_id }).first('name', 'time_zone') : undefined;
    const user = row.user_id ? await db('users').where({ id: row.user_id }).first('name') : undefined;
    const unsubscribe = row.mandatory || row.channel !== 'email' ? null : await unsubscribeUrl(deps.tokens, deps.config.http.publicBaseUrl, row.id);
    const rendered = renderNotification(row.kind, await templateData(row), {
      orgName: org?.name ?? null,
      timeZone: org?.time_zone ?? 'UTC',
      recipientName: user?.name || null,
      unsubscribeUrl: unsubscribe,
    });
    if (row.channel === 'email') {
      if (!deps.email) throw ApplicationFailure.nonRetryable('email is not configured (SMTP_URL)', 'Undeliverable');
      return deps.email.send({ to: row.recipient, subject: rendered.subject, text: rendered.text, html: rendered.html, messageId: `<${row.id}@callgenly>`, unsubscribeUrl: unsubscribe });
    }
    const number = row.org_id ? await db('phone_numbers').where({ org_id: row.org_id }).orderBy('created_at').first('e164') : undefined;
    if (!number) throw ApplicationFailure.nonRetryable('no number to text from', 'Undeliverable');
    return deps.sms.send({ from: number.e164, to: row.recipient, body: rendered.sms });
  }

  return {
    async deliverNotification(input: NotificationInput): Promise<DeliveryResult> {
      const row: NotificationRow | undefined = await db('notifications').where({ id: input.notificationId }).first();
      if (!row) throw ApplicationFailure.nonRetryable(`notification ${input.notificationId} not found`, 'Undeliverable');
      if (!['pending', 'sending'].includes(row.status)) return 'already';
      const reason = await suppression(row);
      if (reason) {
        await finish(row.id, 'suppressed', { reason });
        return 'suppressed';
      }
      // Over the limit, a notice waits (a busy day's messages are late, not lost); security and legal
      // notices never wait behind others.
      if (!row.mandatory && (await overHourlyLimit(row))) {
        await note(row.id, 'delayed: this address had its hourly limit of notices');
        throw ApplicationFailure.create({ message: 'hourly limit reached for this address', type: 'RateLimited', nextRetryDelay: '10 minutes' });
      }
      const claimed = await db('notifications').where({ id: row.id }).whereIn('status', ['pending', 'sending']).update({ status: 'sending', attempts: db.raw('attempts + 1'), updated_at: db.fn.now() });
      if (claimed === 0) return 'already';
      let providerId: string;
      try {
        // A worker that dies mid-send is noticed in seconds, and the send retried.
        providerId = await whileHeartbeating(() => send(row));
      } catch (error) {
        if (error instanceof SmsOptedOutError) {
          await finish(row.id, 'suppressed', { reason: 'the recipient texted STOP' });
          return 'suppressed';
        }
        if (error instanceof ApplicationFailure) throw error;
        // The provider's words often name the address: they go on the row, never into Temporal's history.
        await note(row.id, (error as Error).message);
        const permanent = error instanceof EmailRejectedError || isPermanentTwilioError(error);
        throw ApplicationFailure.create({
          message: permanent ? 'the provider refused the notice (see the delivery log)' : 'the provider did not take the notice yet',
          type: permanent ? 'Undeliverable' : 'SendFailed',
          nonRetryable: permanent,
        });
      }
      await finish(row.id, 'sent', { provider_message_id: providerId, sent_at: db.fn.now(), reason: null });
      return 'sent';
    },

    /** The last attempt's own reason, already on the row, is kept; the workflow's is the fallback. */
    async markNotificationFailed(input: NotificationInput & { reason: string }): Promise<void> {
      await finish(input.notificationId, 'failed', { reason: db.raw('coalesce(reason, ?)', [input.reason]) });
    },

    /**
     * Counts the period's calls, outcomes, bookings and minutes, and sends them to the owners and admins.
     * Callers who restricted processing or objected to it are not counted.
     */
    async sendUsageReport(input: { orgId: string; periodStart: string; periodEnd: string; cause: string }): Promise<number> {
      const inPeriod = (column: string) => (q: Knex.QueryBuilder) => q.where(column, '>=', input.periodStart).where(column, '<', input.periodEnd);
      const limits = await ProcessingLimits.load(db, deps.fields, input.orgId);
      const calls: Array<{ outcome: string | null; calls: number; minutes: number }> = await db('calls').where({ org_id: input.orgId }).modify(inPeriod('started_at'))
        .modify(limits.excludingCallsOfLimitedCallers(db, input.orgId, 'reports'))
        .groupBy('outcome')
        .select('outcome', db.raw('count(*)::int as calls'), db.raw('coalesce(sum(ceil(coalesce(billable_seconds, duration_seconds, 0) / 60.0)), 0)::int as minutes'));
      const bookings = await db('appointments').where({ org_id: input.orgId }).modify(inPeriod('created_at'))
        .whereIn('status', ['confirmed', 'completed', 'cancelled'])
        .modify(limits.excludingCallers('reports', ['customer_e164']))
        .modify(limits.excludingCallsOfLimitedCallers(db, input.orgId, 'reports', 'call_id'))
        .count({ n: '*' }).first();
      const outcomes: Record<string, number> = {};
      for (const row of calls) if (row.outcome) outcomes[row.outcome] = row.calls;
      const ids = await deps.notifier.notify({
        kind: 'usage.weekly_report',
        orgId: input.orgId,
        payload: {
          periodStart: input.periodStart,
          periodEnd: input.periodEnd,
          calls: calls.reduce((sum, row) => sum + row.calls, 0),
          outcomes,
          bookings: Number(bookings?.n ?? 0),
          minutes: calls.reduce((sum, row) => sum + row.minutes, 0),
          costSoFar: null, // billing (Stripe) is not built yet
        },
        to: { roles: ['owner', 'admin'] },
        cause: input.cause,
      });
      return ids.length;
    },

    /** Notifies the next `limit` users after `afterUserId` of a policy change; lastUserId null when none were left. */
    async notifyPolicyBatch(input: { notice: NotificationPayloads['policy.changed']; cause: string; afterUserId: string; limit: number }): Promise<{ users: number; lastUserId: string | null }> {
      // The first batch records the change itself: the console shows it to whoever has not seen it yet.
      if (input.afterUserId === '') {
        const { title, url, summary, effectiveAt } = input.notice;
        await db('policy_versions').insert({ id: input.cause, title, url, summary, effective_at: effectiveAt }).onConflict('id').ignore();
      }
      const ids: string[] = await db('users').where('id', '>', input.afterUserId).orderBy('id').limit(input.limit).pluck('id');
      if (ids.length === 0) return { users: 0, lastUserId: null };
      // One cause for the whole notice: each row's key adds its channel and address, so each person once.
      await deps.notifier.notify({ kind: 'policy.changed', orgId: null, payload: input.notice, to: { userIds: ids }, cause: input.cause });
      return { users: ids.length, lastUserId: ids.length < input.limit ? null : ids.at(-1)! };
    },

    /** Schedules the weekly report of organizations that have none in their current zone, a batch at a time. */
    async scheduleMissingUsageReports(): Promise<number> {
      const orgs = await organizationsToSchedule(db, 50);
      for (const org of orgs) await scheduleUsageReport(deps, org);
      return orgs.length;
    },

    /** Starts deliveries that were written but never started (the writer died in between). */
    async startStalledNotifications(): Promise<number> {
      const stalled = await db('notifications')
        .whereNull('workflow_started_at')
        .whereIn('status', ['pending', 'sending'])
        .where('created_at', '<', db.raw(`now() - interval '1 minute'`))
        .orderBy('created_at')
        .limit(500)
        .select('id', 'org_id');
      await deps.notifier.start(stalled.map((r) => ({ id: r.id, orgId: r.org_id })));
      return stalled.length;
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
