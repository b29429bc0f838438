import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuthContext } from '../auth/context';
import type { Role as RoleType } from '../auth/roles';
import type { Tx } from '../../platform/db/knex';
import { membersRepository, type MemberRow } from '../repositories/members';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, pageBody, pageOf, PageQuery, Role, StaffRole, Timestamp } from '../../platform/http/v1/schemas';
import { usersRepository } from '../repositories/users';
import { closeLearner } from '../../coaching/closure';
import { workflowUrl, WorkflowUrl } from '../../platform/temporal/workflowLinks';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { minorErasureWorkflowId, type MinorErasureInput } from '../../../workflows/privacy/deletionDefinitions';

const Member = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: Role, joinedAt: Timestamp }).meta({ id: 'Member' });
const UserParams = z.object({ userId: idOf('usr') });

const toApi = (m: MemberRow): z.input<typeof Member> => ({ userId: m.user_id, email: m.email, name: m.name, role: m.role, joinedAt: iso(m.created_at)! });

/**
 * The checks every membership change shares: the member exists here (else 404), only owners touch owners,
 * and the organization never ends up without an owner.
 */
async function changeMembership(trx: Tx, auth: AuthContext, userId: string, newRole: RoleType | null): Promise<MemberRow> {
  const members = membersRepository(trx);
  const owners = await members.lockOwners();
  const member = await members.find(userId);
  if (!member) throw new ApiError(404, 'not_found', 'No such member');
  if ((member.role === 'owner' || newRole === 'owner') && auth.role !== 'owner') {
    throw new ApiError(403, 'forbidden', 'Only an owner can make, change or remove an owner');
  }
  if (member.role === 'owner' && newRole !== 'owner' && owners.length <= 1) {
    throw new ApiError(409, 'last_owner', 'The organization needs at least one owner; make someone else an owner first');
  }
  return member;
}

export const memberRoutes = [
  defineRoute({
    method: 'get',
    path: '/members',
    operationId: 'listMembers',
    summary: "The organization's members",
    tag: 'Members',
    access: 'member',
    query: PageQuery,
    response: { schema: pageOf(Member, 'MemberPage'), description: 'A page of members' },
    handle: ({ auth, deps, query }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const page = await membersRepository(trx).list(query);
        return pageBody(page, toApi);
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/members/{userId}',
    operationId: 'getMember',
    summary: 'One member',
    tag: 'Members',
    access: 'member',
    params: UserParams,
    response: { schema: Member, description: 'The member' },
    errors: [404],
    handle: ({ auth, deps, params }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const member = await membersRepository(trx).find(params.userId);
        if (!member) throw new ApiError(404, 'not_found', 'No such member');
        return toApi(member);
      }),
  }),

  defineRoute({
    method: 'patch',
    path: '/members/{userId}',
    operationId: 'changeMemberRole',
    summary: "Change a member's role (owners only for anything involving the owner role)",
    tag: 'Members',
    access: 'admin',
    params: UserParams,
    body: z.object({ role: StaffRole }),
    response: { schema: Member, description: 'The member with the new role' },
    errors: [404, 409],
    async handle({ auth, body, deps, params, req }) {
      const { before, alert } = await withTenant(deps.db, auth.orgId, async (trx) => {
        const member = await changeMembership(trx, auth, params.userId, body.role);
        await membersRepository(trx).setRole(params.userId, body.role);
        await audit(trx, req, auth, { action: 'member.role_changed', targetType: 'user', targetId: params.userId, metadata: { from: member.role, to: body.role } });
        if (member.role === body.role) return { before: member, alert: [] };
        // The member hears of it, written with the change and sent once it commits.
        const actor = (auth.userId && (await usersRepository(trx).findById(auth.userId))?.email) || 'an admin';
        const to = { userIds: [params.userId] };
        return { before: member, alert: await deps.notifier.write({ kind: 'security.role_changed', orgId: auth.orgId, payload: { from: member.role, to: body.role, actor }, to, cause: `role-changed:${randomUUID()}` }, trx) };
      });
      await deps.notifier.start(alert);
      return toApi({ ...before, role: body.role });
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/members/{userId}',
    operationId: 'removeMember',
    summary: 'Remove a member; their sessions in this organization stop working at once',
    tag: 'Members',
    access: 'admin',
    params: UserParams,
    errors: [404, 409],
    handle: ({ auth, deps, params, req }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        const before = await changeMembership(trx, auth, params.userId, null);
        await membersRepository(trx).remove(params.userId);
        await audit(trx, req, auth, { action: 'member.removed', targetType: 'user', targetId: params.userId, metadata: { role: before.role } });
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/members/{userId}/minor-report',
    operationId: 'reportMinor',
    summary: "Report that a member or learner is under the organization's minimum age: they lose access now and are erased at once, without the usual grace period (audited)",
    tag: 'Members',
    access: 'admin',
    params: UserParams,
    response: { status: 202, schema: z.object({ workflowId: z.string(), workflowUrl: WorkflowUrl }).meta({ id: 'MinorErasure' }), description: 'Access ended; the erasure runs as a workflow' },
    errors: [404, 409],
    async handle({ auth, deps, params, req }) {
      if (params.userId === auth.userId) throw new ApiError(409, 'cannot_report_yourself', 'Ask another admin to report it, or delete your own account');
      await withTenant(deps.db, auth.orgId, async (trx) => {
        const role = await membersRepository(trx).roleOf(params.userId);
        // Reported already (Temporal was unreachable when the erasure was to start): only start it again.
        if (!role && (await trx('audit_log').where({ action: 'member.reported_minor', target_id: params.userId }).first('id'))) return;
        if (!role) throw new ApiError(404, 'not_found', 'No such member');
        if (role === 'owner') throw new ApiError(409, 'owner_reported', 'An owner answers for the organization: if its owner is a minor, delete the organization');
        // At once: a learner's calls stop (plans ended, schedules deleted), and access to this organization ends.
        if (role === 'learner') await closeLearner(trx, deps.temporal, { orgId: auth.orgId, userId: params.userId, requestId: String(req.id ?? '') });
        await membersRepository(trx).remove(params.userId);
        await audit(trx, req, auth, { action: 'member.reported_minor', targetType: 'user', targetId: params.userId, metadata: { role } });
      });
      const workflowId = minorErasureWorkflowId(auth.orgId, params.userId);
      await deps.temporal.workflow.start('minorErasureWorkflow', {
        workflowId,
        taskQueue: deps.config.temporal.taskQueue,
        args: [{ orgId: auth.orgId, userId: params.userId, reportedBy: auth.userId } satisfies MinorErasureInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [{ key: OrgId, value: auth.orgId }],
      });
      return { workflowId, workflowUrl: workflowUrl(deps.config.temporal, workflowId) };
    },
  }),
];
