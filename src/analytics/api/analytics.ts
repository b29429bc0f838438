import { z } from 'zod';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { Timestamp, iso } from '../../platform/http/v1/schemas';
import { ProcessingLimits } from '../../privacy/processingLimits';

const Consent = z
  .object({
    choice: z.enum(['granted', 'declined']).nullable().meta({ description: 'null: not asked yet (nothing is collected)' }),
    decidedAt: Timestamp.nullable(),
  })
  .meta({ id: 'AnalyticsConsent' });

/** A page is a route's pattern, never its URL: "/calls/:callId", not a call's id. A feature is a short name. */
const Event = z.object({
  kind: z.enum(['page', 'feature']),
  name: z.string().regex(/^[A-Za-z0-9/:._ -]{1,100}$/, 'must be a route pattern or a short feature name (letters, digits, / : . _ - and spaces)'),
});

/**
 * Product analytics, off until the person opts in: their choice (`/me/analytics`) and the counts their
 * console sends (`/me/analytics/events`), refused while they have not chosen yes. Kept in our own
 * database, per person and day; saying no later deletes what was counted.
 */
export const analyticsRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/analytics',
    operationId: 'getAnalyticsConsent',
    summary: 'Whether you allow product analytics (off until you choose yes)',
    tag: 'Privacy',
    access: 'person',
    response: { schema: Consent, description: 'Your choice' },
    async handle({ auth, deps }) {
      const row = await deps.db('analytics_consents').where({ user_id: auth.userId! }).first();
      return { choice: row ? (row.granted ? ('granted' as const) : ('declined' as const)) : null, decidedAt: iso(row?.decided_at) };
    },
  }),

  defineRoute({
    method: 'put',
    path: '/me/analytics',
    operationId: 'setAnalyticsConsent',
    summary: 'Allow or refuse product analytics; refusing also deletes what was counted (audited)',
    tag: 'Privacy',
    access: 'person',
    body: z.object({ choice: z.enum(['granted', 'declined']) }),
    response: { schema: Consent, description: 'Your choice' },
    handle: ({ auth, body, deps, req }) =>
      deps.db.transaction(async (trx) => {
        const [row] = await trx('analytics_consents')
          .insert({ user_id: auth.userId!, granted: body.choice === 'granted', decided_at: trx.fn.now() })
          .onConflict('user_id')
          .merge()
          .returning('*');
        const forgotten = body.choice === 'declined' ? await trx('product_analytics').where({ user_id: auth.userId! }).delete() : 0;
        await audit(trx, req, auth, { action: 'analytics.consent_changed', targetType: 'user', targetId: auth.userId!, metadata: { choice: body.choice, countsDeleted: forgotten } });
        return { choice: body.choice, decidedAt: iso(row.decided_at) };
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/me/analytics/events',
    operationId: 'recordAnalytics',
    summary: 'Count pages and features you used today (only after you allowed analytics; otherwise 403 and nothing is kept)',
    tag: 'Privacy',
    access: 'person',
    body: z.object({ events: z.array(Event).min(1).max(20) }),
    errors: [403],
    handle: ({ auth, body, deps }) =>
      // The yes is read with a share lock held until the counts are written: a "no" arriving meanwhile waits
      // and then deletes them too, and one that came first makes this find no yes. (A page counted while the
      // person was saying no outlived the no: the console's browser test caught it, once in CI.)
      deps.db.transaction(async (owner) => {
        const consent = await owner('analytics_consents').where({ user_id: auth.userId!, granted: true }).forShare().first('user_id');
        if (!consent) throw new ApiError(403, 'analytics_not_allowed', 'You have not allowed product analytics: nothing was recorded');
        await withTenant(owner, auth.orgId, async (trx) => {
          // A restriction or objection recorded meanwhile held the yes locked: this read sees it.
          if (await ProcessingLimits.userLimited(trx, auth.orgId, auth.userId!, 'analytics')) throw new ApiError(403, 'processing_limited', 'You restricted or objected to the processing of your data here: nothing was recorded');
          for (const e of body.events) {
            await trx('product_analytics')
              .insert({ org_id: auth.orgId, user_id: auth.userId!, day: trx.raw('current_date'), kind: e.kind, name: e.name, count: 1 })
              .onConflict(['org_id', 'user_id', 'day', 'kind', 'name'])
              .merge({ count: trx.raw('product_analytics.count + 1') });
          }
        });
      }),
  }),
];
