import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { verifyPassword } from '../../accounts/auth/passwords';
import { withTenant } from '../../platform/db/tenancy';
import { cancelDeletionSignal, deletionProgressQuery, deletionWorkflowId, type DeletionRequest } from '../../../workflows/privacy/deletionDefinitions';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { ApiError } from '../../platform/http/errors';
import { DeadlineExceeded } from '../../platform/http/deadline';
import { readWithin } from '../../platform/temporal/boundedRead';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { Timestamp } from '../../platform/http/v1/schemas';
import { workflowUrl, WorkflowUrl } from '../../platform/temporal/workflowLinks';

const Deletion = z
  .object({
    state: z.enum(['grace', 'cancelled', 'erasing', 'completed']),
    requestedAt: Timestamp,
    erasureAt: Timestamp.meta({ description: 'When erasure begins unless an owner cancels first' }),
    deadlineAt: Timestamp.meta({ description: 'Erasure is complete by then (30 days after the request)' }),
    atRisk: z.boolean().meta({ description: 'Operators were alerted: erasure is running late' }),
    workflowUrl: WorkflowUrl,
  })
  .meta({ id: 'Deletion' });

/** A single sign-on session counts as a fresh login for this long. */
const FRESH_SSO_MS = 10 * 60_000;

/**
 * Deleting the organization is the owner's, and needs proof it is really them now: their password, or for
 * someone without one a single sign-on login of the last ten minutes.
 */
async function checkReauthentication(deps: V1Deps, userId: string, sessionId: string, password: string | undefined): Promise<void> {
  const user = await deps.db('users').where({ id: userId }).first('password_hash');
  if (user?.password_hash) {
    if (!password || !(await verifyPassword(password, user.password_hash))) throw new ApiError(401, 'reauthentication_failed', 'Enter your password to delete the organization', 'password');
    return;
  }
  const session = await deps.db('sessions').where({ id: sessionId }).first('method', 'created_at');
  const fresh = session && (session.method === 'google' || session.method === 'microsoft') && Date.now() - new Date(session.created_at).getTime() < FRESH_SSO_MS;
  if (!fresh) throw new ApiError(401, 'reauthentication_required', 'Sign in again with your single sign-on provider, then ask within ten minutes');
}

/** The deletion's progress from its workflow; no worker answering within 3 s is a 503, not a request hanging for the server's 30 s. */
const progressOf = async (deps: V1Deps, orgId: string) => {
  try {
    const progress = await readWithin(deps.temporal, 3_000, () => deps.temporal.workflow.getHandle(deletionWorkflowId(orgId)).query(deletionProgressQuery));
    return { ...progress, workflowUrl: workflowUrl(deps.config.temporal, deletionWorkflowId(orgId)) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', 'No deletion was requested for this organization');
    if (error instanceof DeadlineExceeded) throw new ApiError(503, 'deletion_unavailable', "The deletion's progress cannot be read right now; try again shortly");
    throw error;
  }
};

export const deletionRoutes = [
  defineRoute({
    method: 'post',
    path: '/organization/deletion',
    operationId: 'requestDeletion',
    summary: 'Delete the organization: after a grace period (cancellable) everything is erased, within 30 days',
    tag: 'Privacy',
    access: 'owner',
    body: z.object({ password: z.string().max(200).optional().meta({ description: 'Required for accounts with a password' }) }),
    response: { status: 202, schema: Deletion, description: 'The grace period has begun; the owners are told' },
    errors: [401, 409],
    async handle({ auth, body, deps, req }) {
      if (auth.kind !== 'session' || !auth.userId || !auth.sessionId) throw new ApiError(403, 'session_required', 'Only a signed-in owner can delete the organization');
      await checkReauthentication(deps, auth.userId, auth.sessionId, body.password);
      const org = await withTenant(deps.db, auth.orgId, (trx) => trx('organizations').first('legal_hold', 'status'));
      if (org.legal_hold) throw new ApiError(409, 'legal_hold', 'The organization is under legal hold and cannot be deleted now');
      const { graceMs, deadlineMs, alertBeforeMs } = deps.config.deletion;
      const request: DeletionRequest = { orgId: auth.orgId, requestedBy: auth.userId, requestedAt: new Date().toISOString(), graceMs, deadlineMs, alertBeforeMs };
      try {
        // One deletion at a time; after a cancelled one, a new request starts a new run.
        await deps.temporal.workflow.start('deletionWorkflow', {
          workflowId: deletionWorkflowId(auth.orgId),
          taskQueue: deps.config.temporal.taskQueue,
          args: [request],
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: [{ key: OrgId, value: auth.orgId }],
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ApiError(409, 'deletion_pending', 'A deletion is already under way');
        throw error;
      }
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'organization.deletion_requested', targetType: 'organization', targetId: auth.orgId }));
      const requestedAt = Date.parse(request.requestedAt);
      return {
        state: 'grace' as const,
        requestedAt: request.requestedAt,
        erasureAt: new Date(requestedAt + graceMs).toISOString(),
        deadlineAt: new Date(requestedAt + deadlineMs).toISOString(),
        atRisk: false,
        workflowUrl: workflowUrl(deps.config.temporal, deletionWorkflowId(auth.orgId)),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/organization/deletion',
    operationId: 'getDeletion',
    summary: "The organization's deletion, if one was requested",
    tag: 'Privacy',
    access: 'admin',
    response: { schema: Deletion, description: 'The deletion' },
    errors: [404, 503],
    handle: ({ auth, deps }) => progressOf(deps, auth.orgId),
  }),

  defineRoute({
    method: 'delete',
    path: '/organization/deletion',
    operationId: 'cancelDeletion',
    summary: 'Cancel the deletion during its grace period (the owners are told)',
    tag: 'Privacy',
    access: 'owner',
    response: { status: 202, schema: Deletion, description: 'Cancelling' },
    errors: [404, 409, 503],
    async handle({ auth, deps, req }) {
      const progress = await progressOf(deps, auth.orgId);
      if (progress.state !== 'grace') throw new ApiError(409, 'too_late', `The deletion is ${progress.state}; only one in its grace period can be cancelled`);
      await deps.temporal.workflow.getHandle(deletionWorkflowId(auth.orgId)).signal(cancelDeletionSignal, { by: auth.userId ?? 'api' });
      await withTenant(deps.db, auth.orgId, (trx) => audit(trx, req, auth, { action: 'organization.deletion_cancelled', targetType: 'organization', targetId: auth.orgId }));
      return { ...progress, state: 'cancelled' as const };
    },
  }),
];
