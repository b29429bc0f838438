import type { ExportContext, ExportSection } from '../platform/registration';

/** The organization, its members, numbers and audit log; or one person's profile, memberships, sessions and actions. */
export const accountsExport: ExportSection = {
  scopes: ['organization', 'user'],
  async build({ db, orgId, scope, withheld }: ExportContext) {
    if (scope.scope === 'user') {
      return {
        json: {
          'profile.json': await db('users').where({ id: scope.userId }).first('id', 'email', 'name', 'phone_e164', 'created_at'),
          'memberships.json': await db('memberships as m').join('organizations as o', 'o.id', 'm.org_id').where('m.user_id', scope.userId).select('o.name as organization', 'm.role', 'm.created_at as joinedAt'),
          'sessions.json': await db('sessions').where({ user_id: scope.userId, org_id: orgId }).orderBy('created_at').select('method', 'ip', 'user_agent', 'created_at', 'last_seen_at', 'revoked_at'),
          'audit_log.json': await db('audit_log').where({ org_id: orgId, actor_type: 'user', actor_id: scope.userId }).orderBy('id').select('created_at', 'action', 'target_type', 'target_id', 'ip'),
        },
      };
    }
    const { stripe_customer_id: _customer, stripe_subscription_id: _subscription, stripe_payment_method_id: _paymentMethod, ...organization } = await db('organizations').where({ id: orgId }).first();
    return {
      json: {
        'organization.json': organization,
        // A member who restricted processing stays in the list (the organization's structure), without their details.
        'members.json': (await db('memberships as m').join('users as u', 'u.id', 'm.user_id').where('m.org_id', orgId).select('u.id', 'u.email', 'u.name', 'm.role', 'm.created_at as joinedAt')).map(
          (m) => (withheld.userLimited(m.id, 'exports') ? { id: m.id, role: m.role, restricted: true } : m),
        ),
        'phone_numbers.json': await db('phone_numbers').where({ org_id: orgId }).select('id', 'e164', 'created_at'),
        'audit_log.json': await db('audit_log').where({ org_id: orgId }).orderBy('id').select('created_at', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'metadata'),
      },
    };
  },
};
