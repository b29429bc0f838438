import { createNotificationActivities } from '../../activities/notifications/notifications';
import { TWILIO } from '../platform/processors';
import type { Domain } from '../platform/domainContract';
import { idPattern } from '../platform/registration';
import type { ActivityDeps, AppDeps } from '../deps';
import { devMailRouter } from './api/devMail';
import { notificationRoutes } from './api/notifications';
import { policyRoutes } from './api/policy';
import { smsRoutes } from './api/smsReplies';
import { unsubscribeRoutes } from './api/unsubscribeRoutes';
import { devMailDir } from './devMailbox';
import { notificationsExport } from './exportSection';

/** Notices by email and text, preferences and unsubscribes, text replies, weekly reports, policy notices. */
export const notificationsDomain: Domain<ActivityDeps, AppDeps> = {
  name: 'notifications',
  workflows: [
    { type: 'notificationWorkflow', id: idPattern('notification'), owner: { kind: 'row', table: 'notifications', column: 'id' } },
    { type: 'usageReportWorkflow', id: idPattern('usage-report', { scheduled: true }), owner: { kind: 'org-in-id' } },
    { type: 'notificationRelayWorkflow', id: idPattern('notification-relay', { scheduled: true }), owner: { kind: 'platform', why: 'finds undelivered notices by id; carries no content' } },
    { type: 'policyNoticeWorkflow', id: idPattern('policy-notice'), owner: { kind: 'platform', why: "the platform's own policy notice, the same for everyone" } },
  ],
  activities: (deps) => [createNotificationActivities(deps)],
  routes: [...notificationRoutes, ...policyRoutes],
  mounts: (deps) => [
    { path: '/twilio/sms', router: smsRoutes(deps) },
    { path: '/notifications', router: unsubscribeRoutes(deps) },
    ...(deps.config.env === 'development' ? [{ path: '/', router: devMailRouter(devMailDir(deps.config.dataDir)) }] : []),
  ],
  tables: [{ table: 'notifications', onDeletion: 'erase', order: 130, retention: 'account' }],
  exports: [notificationsExport],
  processors: [
    { name: 'Email provider (SMTP_URL)', role: 'delivers email notices', data: ['name and email', 'the notice'], location: 'where the configured SMTP server runs', when: 'SMTP_URL is set' },
    TWILIO,
  ],
  globalTables: ['notification_preferences', 'sms_opt_outs', 'policy_versions', 'policy_acknowledgements'],
  reads: ['organizations', 'webhook_receipts', 'audit_log', 'users', 'memberships', 'messages', 'phone_numbers', 'calls', 'appointments'],
  notificationKinds: ['usage.weekly_report', 'policy.changed'],
};
