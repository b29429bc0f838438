import { z } from 'zod';
import type { Db } from '../../platform/db/knex';
import { paginate } from '../../platform/db/pagination';
import { withTenant } from '../../platform/db/tenancy';
import { KINDS, NOTIFICATION_KINDS, type NotificationKind } from '../kinds';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, pageBody, pageOf, PageQuery, PhoneNumber, Timestamp } from '../../platform/http/v1/schemas';

const Kind = z.enum(NOTIFICATION_KINDS as [NotificationKind, ...NotificationKind[]]);

const Delivery = z
  .object({
    id: z.string(),
    kind: Kind,
    channel: z.enum(['email', 'sms']),
    recipient: z.string(),
    status: z.enum(['pending', 'sending', 'sent', 'failed', 'suppressed']),
    reason: z.string().nullable().meta({ description: 'Why it failed or was suppressed (bad address, opted out, switched off, rate limited)' }),
    attempts: z.number().int(),
    createdAt: Timestamp,
    sentAt: Timestamp.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });

const Preference = z
  .object({
    kind: Kind,
    email: z.boolean(),
    sms: z.boolean(),
    mandatory: z.boolean().meta({ description: 'Security and legal notices: always emailed, cannot be switched off' }),
  })
  .meta({ id: 'NotificationPreference' });

const Preferences = z
  .object({ phoneNumber: z.string().nullable().meta({ description: 'E.164 number for notices chosen by SMS' }), preferences: z.array(Preference) })
  .meta({ id: 'NotificationPreferences' });

const PreferencesUpdate = z
  .object({
    phoneNumber: PhoneNumber.nullable().optional().meta({ description: 'Any common format; stored as E.164. null removes it' }),
    preferences: z.array(z.object({ kind: Kind, email: z.boolean(), sms: z.boolean() })).max(NOTIFICATION_KINDS.length).default([]),
  })
  .strict()
  .meta({ id: 'NotificationPreferencesUpdate' });

async function readPreferences(db: Db, userId: string): Promise<z.input<typeof Preferences>> {
  const user = await db('users').where({ id: userId }).first('phone_e164');
  const stored = new Map((await db('notification_preferences').where({ user_id: userId })).map((p) => [p.kind as string, p]));
  return {
    phoneNumber: user?.phone_e164 ?? null,
    preferences: NOTIFICATION_KINDS.filter((kind) => KINDS[kind].audience === 'user').map((kind) => ({
      kind,
      email: KINDS[kind].mandatory || (stored.get(kind)?.email ?? true),
      sms: stored.get(kind)?.sms ?? false,
      mandatory: KINDS[kind].mandatory,
    })),
  };
}

export const notificationRoutes = [
  defineRoute({
    method: 'get',
    path: '/notifications',
    operationId: 'listNotifications',
    summary: "The organization's notification delivery log, newest first",
    tag: 'Notifications',
    access: 'admin',
    query: PageQuery.extend({ status: z.enum(['pending', 'sending', 'sent', 'failed', 'suppressed']).optional() }),
    response: { schema: pageOf(Delivery, 'NotificationDeliveryPage'), description: 'A page of deliveries' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const q = trx('notifications').select('*');
        if (query.status) q.where({ status: query.status });
        const page = await paginate<Record<string, never>>(q, { column: 'id', cursor: query.cursor, limit: query.limit });
        return pageBody(page, (r: Record<string, any>) => ({
          id: r.id,
          kind: r.kind,
          channel: r.channel,
          recipient: r.recipient,
          status: r.status,
          reason: r.reason,
          attempts: r.attempts,
          createdAt: iso(r.created_at)!,
          sentAt: iso(r.sent_at),
        }));
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/me/notification-preferences',
    operationId: 'getNotificationPreferences',
    summary: 'Which notices the signed-in person receives, and on which channel',
    tag: 'Notifications',
    access: 'person',
    response: { schema: Preferences, description: 'Every kind a person can receive, with their choice' },
    handle: ({ auth, deps }) => readPreferences(deps.db, auth.userId!),
  }),

  defineRoute({
    method: 'put',
    path: '/me/notification-preferences',
    operationId: 'setNotificationPreferences',
    summary: 'Choose which notices to receive and on which channel; security and legal notices stay on',
    tag: 'Notifications',
    access: 'person',
    body: PreferencesUpdate,
    response: { schema: Preferences, description: 'The preferences after the change' },
    async handle({ auth, body, deps, req }) {
      for (const [i, p] of body.preferences.entries()) {
        if (KINDS[p.kind].audience !== 'user') throw new ApiError(400, 'invalid_request', `preferences.${i}.kind: ${p.kind} goes to the organization's notification addresses`, `preferences.${i}.kind`);
        if (KINDS[p.kind].mandatory && !p.email) throw new ApiError(400, 'mandatory_notice', `preferences.${i}.email: ${p.kind} is a security or legal notice and cannot be switched off`, `preferences.${i}.email`);
      }
      await deps.db.transaction(async (trx) => {
        if (body.phoneNumber !== undefined) await trx('users').where({ id: auth.userId }).update({ phone_e164: body.phoneNumber, updated_at: trx.fn.now() });
        for (const p of body.preferences) {
          await trx('notification_preferences')
            .insert({ user_id: auth.userId, kind: p.kind, email: p.email, sms: p.sms, updated_at: trx.fn.now() })
            .onConflict(['user_id', 'kind'])
            .merge();
        }
        await audit(trx, req, auth, { action: 'notification_preferences.changed', targetType: 'user', targetId: auth.userId!, metadata: { kinds: body.preferences.map((p) => p.kind) } });
      });
      return readPreferences(deps.db, auth.userId!);
    },
  }),
];
