import { z } from 'zod';
import { ApiError } from '../../platform/http/errors';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, Timestamp } from '../../platform/http/v1/schemas';

const Policy = z
  .object({
    policy: z.object({ id: z.string(), title: z.string(), url: z.string(), summary: z.string(), effectiveAt: Timestamp }).nullable().meta({ description: 'The latest policy change announced' }),
    changedSinceSeen: z.boolean().meta({ description: 'It was announced after this person joined, and they have not marked it seen' }),
    seenAt: Timestamp.nullable(),
  })
  .meta({ id: 'PolicyStatus' });

/** The latest announced policy change, and whether the signed-in person still has to be shown it. */
export const policyRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/policy',
    operationId: 'getPolicyStatus',
    summary: 'The latest privacy or terms change, and whether you have seen it since it was announced',
    tag: 'Notifications',
    access: 'person',
    response: { schema: Policy, description: 'The policy and your acknowledgement' },
    async handle({ auth, deps }) {
      const policy = await deps.db('policy_versions').orderBy('created_at', 'desc').first();
      if (!policy) return { policy: null, changedSinceSeen: false, seenAt: null };
      const seen = await deps.db('policy_acknowledgements').where({ user_id: auth.userId!, policy_id: policy.id }).first('seen_at');
      const user = await deps.db('users').where({ id: auth.userId! }).first('created_at');
      return {
        policy: { id: policy.id, title: policy.title, url: policy.url, summary: policy.summary, effectiveAt: iso(policy.effective_at)! },
        // Someone who joined after it was announced agreed to it then.
        changedSinceSeen: !seen && new Date(user.created_at) < new Date(policy.created_at),
        seenAt: iso(seen?.seen_at),
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/policy/seen',
    operationId: 'acknowledgePolicy',
    summary: 'Mark a policy change as seen (the banner goes away)',
    tag: 'Notifications',
    access: 'person',
    body: z.object({ policyId: z.string().max(300) }),
    errors: [404],
    async handle({ auth, body, deps }) {
      const inserted = await deps.db('policy_acknowledgements')
        .insert(deps.db('policy_versions').where({ id: body.policyId }).select(deps.db.raw('? as user_id', [auth.userId!]), 'id as policy_id'))
        .onConflict(['user_id', 'policy_id'])
        .ignore()
        .returning('policy_id');
      if (inserted.length === 0 && !(await deps.db('policy_versions').where({ id: body.policyId }).first('id'))) throw new ApiError(404, 'not_found', 'No such policy change');
    },
  }),
];
