import type { Db, Tx } from '../platform/db/knex';
import { KINDS, type Channel, type NotificationKind } from './kinds';

/** Who a notice is for: given people, the organization's members in some roles, or its notification addresses. */
/** People of the organization (by id or role), its notification addresses, or addresses captured earlier (an erased organization's owners). */
export type Recipients = { userIds: string[] } | { roles: Array<'owner' | 'admin' | 'member'> } | 'org_addresses' | { emails: string[] };

export interface Delivery {
  channel: Channel;
  recipient: string;
  userId: string | null;
}

/**
 * The (channel, address) pairs a notice goes to. People get email unless they switched this kind off
 * (mandatory kinds always go by email) and SMS only when they asked for it and have a number. Read with
 * the owner role: this is system work that spans users and organizations.
 */
export async function resolveDeliveries(db: Db | Tx, kind: NotificationKind, orgId: string | null, to: Recipients): Promise<Delivery[]> {
  if (to === 'org_addresses') {
    if (!orgId) throw new Error('organization addresses need an organization');
    const org = await db('organizations').where({ id: orgId }).first('notification_emails', 'notification_e164s', 'transfer_e164');
    if (!org) return [];
    const phones: string[] = org.notification_e164s.length > 0 ? org.notification_e164s : org.transfer_e164 ? [org.transfer_e164] : [];
    return [
      ...org.notification_emails.map((recipient: string) => ({ channel: 'email' as const, recipient, userId: null })),
      ...phones.map((recipient) => ({ channel: 'sms' as const, recipient, userId: null })),
    ];
  }
  if ('emails' in to) return to.emails.map((recipient) => ({ channel: 'email' as const, recipient, userId: null }));
  const users = db('users')
    .leftJoin('notification_preferences as p', function () {
      this.on('p.user_id', '=', 'users.id').andOn('p.kind', '=', db.raw('?', [kind]));
    })
    .select('users.id', 'users.email', 'users.phone_e164', 'p.email as wants_email', 'p.sms as wants_sms');
  if ('userIds' in to) users.whereIn('users.id', to.userIds);
  else users.whereIn('users.id', db('memberships').where({ org_id: orgId }).whereIn('role', to.roles).select('user_id'));
  const deliveries: Delivery[] = [];
  for (const user of await users) {
    if (KINDS[kind].mandatory || user.wants_email !== false) deliveries.push({ channel: 'email', recipient: user.email, userId: user.id });
    // Texts go from an organization's number: a platform notice (no organization) goes by email only.
    if (orgId && user.wants_sms === true && user.phone_e164) deliveries.push({ channel: 'sms', recipient: user.phone_e164, userId: user.id });
  }
  return deliveries;
}
