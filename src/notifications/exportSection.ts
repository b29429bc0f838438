import type { ExportContext, ExportSection } from '../platform/registration';

/** A person's notification preferences and the notices sent to them in the organization. */
export const notificationsExport: ExportSection = {
  scopes: ['user'],
  async build({ db, orgId, scope }: ExportContext) {
    if (scope.scope !== 'user') return { json: {} };
    return {
      json: {
        'notification_preferences.json': await db('notification_preferences').where({ user_id: scope.userId }).select('kind', 'email', 'sms'),
        'policy_acknowledgements.json': await db('policy_acknowledgements').where({ user_id: scope.userId }).orderBy('seen_at').select('policy_id', 'seen_at'),
        'notifications.json': await db('notifications').where({ org_id: orgId, user_id: scope.userId }).orderBy('created_at').select('kind', 'channel', 'recipient', 'status', 'created_at', 'sent_at'),
      },
    };
  },
};
