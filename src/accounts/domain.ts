import type { Domain } from '../platform/domainContract';
import { apiKeyRoutes } from './api/apiKeys';
import { auditLogRoutes } from './api/auditLog';
import { authRoutes } from './api/auth';
import { invitationRoutes } from './api/invitations';
import { meRoutes } from './api/me';
import { memberRoutes } from './api/members';
import { organizationRoutes } from './api/organization';
import { phoneNumberRoutes } from './api/phoneNumbers';
import { ssoRoutes } from './api/sso';
import { accountsExport } from './exportSection';

/** People and organizations: sign-in, sessions, members, invitations, API keys, settings, the audit log. */
export const accountsDomain: Domain<never, never> = {
  name: 'accounts',
  workflows: [],
  routes: [...authRoutes, ...ssoRoutes, ...organizationRoutes, ...memberRoutes, ...invitationRoutes, ...apiKeyRoutes, ...phoneNumberRoutes, ...auditLogRoutes, ...meRoutes],
  tables: [
    { table: 'phone_numbers', onDeletion: 'erase', order: 80, retention: 'account' },
    { table: 'api_keys', onDeletion: 'erase', order: 90, retention: 'account' },
    { table: 'invitations', onDeletion: 'erase', order: 100, retention: 'account' },
    { table: 'sessions', onDeletion: 'erase', order: 110, retention: 'account' },
    { table: 'memberships', onDeletion: 'erase', order: 150, retention: 'account' },
    { table: 'audit_log', onDeletion: 'keep', why: 'the record of what happened, this deletion included', retention: 'account' },
  ],
  exports: [accountsExport],
  globalTables: ['organizations', 'users', 'user_identities', 'sign_in_lockouts'],
  // Whether HIPAA mode protects any call or message before it may be switched off.
  reads: ['calls', 'messages'],
  notificationKinds: ['accounts.invitation', 'security.new_sign_in', 'security.password_changed', 'security.api_key_created', 'security.api_key_revoked', 'security.role_changed', 'security.sso_linked'],
};
