import type { ExportContext, ExportSection } from '../platform/registration';

/** A person's analytics choice and what was counted of their use; an organization's counts, per person. */
export const analyticsExport: ExportSection = {
  scopes: ['organization', 'user'],
  async build({ db, orgId, scope, withheld }: ExportContext) {
    if (scope.scope === 'user') {
      return {
        json: {
          'analytics_consent.json': (await db('analytics_consents').where({ user_id: scope.userId }).first('granted', 'decided_at')) ?? null,
          'product_analytics.json': await db('product_analytics').where({ org_id: orgId, user_id: scope.userId }).orderBy(['day', 'kind', 'name']).select('day', 'kind', 'name', 'count'),
        },
      };
    }
    const counts = await db('product_analytics').where({ org_id: orgId }).orderBy(['day', 'user_id']).select('user_id', 'day', 'kind', 'name', 'count');
    return { json: { 'product_analytics.json': counts.filter((c) => !withheld.userLimited(c.user_id, 'exports')) } };
  },
};
