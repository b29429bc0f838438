/** Renders any notification kind: one template per kind, and the footer rule (mandatory or not) from KINDS. */
import { KINDS, type NotificationKind, type Rendered, type TemplateContext, type TemplateData } from '../kinds';
import { deletionCancelled, deletionCompleted, deletionRequested, exportReady } from './privacy';
import { lowBalance, paymentFailed, restored, suspended, topUpReceived } from './billing';
import { apiKeyCreated, apiKeyRevoked, invitation, newSignIn, passwordChanged, roleChanged, ssoLinked } from './security';
import { calendarConnectionBroken, messageTaken } from './calls';
import { policyChanged } from './policy';
import { balanceLow, balanceRefunded, callNotPlaced, learnerTopUpReceived, weeklyProgress } from './coaching';
import { weeklyReport } from './usage';
import type { RenderContext } from './layout';

type Template<K extends NotificationKind> = (data: TemplateData[K], ctx: RenderContext) => Rendered;

/** Mapped over every kind: adding a kind to kinds.ts without a template here fails to compile. */
const TEMPLATES: { [K in NotificationKind]: Template<K> } = {
  'usage.weekly_report': weeklyReport,
  'billing.payment_failed': paymentFailed,
  'billing.suspended': suspended,
  'billing.restored': restored,
  'billing.low_balance': lowBalance,
  'billing.top_up_received': topUpReceived,
  'security.new_sign_in': newSignIn,
  'security.password_changed': passwordChanged,
  'security.api_key_created': apiKeyCreated,
  'security.api_key_revoked': apiKeyRevoked,
  'security.role_changed': roleChanged,
  'security.sso_linked': ssoLinked,
  'accounts.invitation': invitation,
  'privacy.export_ready': exportReady,
  'privacy.deletion_requested': deletionRequested,
  'privacy.deletion_cancelled': deletionCancelled,
  'privacy.deletion_completed': deletionCompleted,
  'calls.message_taken': messageTaken,
  'calendar.connection_broken': calendarConnectionBroken,
  'policy.changed': policyChanged,
  'coaching.top_up_received': learnerTopUpReceived,
  'coaching.balance_refunded': balanceRefunded,
  'coaching.balance_low': balanceLow,
  'coaching.call_not_placed': callNotPlaced,
  'coaching.weekly_progress': weeklyProgress,
};

export function renderNotification<K extends NotificationKind>(kind: K, data: TemplateData[K], ctx: TemplateContext): Rendered {
  const template: Template<K> = TEMPLATES[kind];
  return template(data, { ...ctx, mandatory: KINDS[kind].mandatory });
}
