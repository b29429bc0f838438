import type { Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { SignalDefinition } from '@temporalio/workflow';
import type { Config } from '../platform/config';
import type { Db } from '../platform/db/knex';
import type { Logger } from '../platform/logger';
import { billingWorkflowId, type BillingCycleInput } from '../../workflows/billing/definitions';
import { OrgId } from '../../workflows/platform/searchAttributes';

function startOptions(orgId: string, taskQueue: string) {
  return {
    workflowId: billingWorkflowId(orgId),
    taskQueue,
    args: [{ orgId } satisfies BillingCycleInput] as [BillingCycleInput],
    typedSearchAttributes: [{ key: OrgId, value: orgId }],
  };
}

/**
 * Starts the organization's billing cycle (a running one is left alone) and records that it did. Called
 * once the organization is created; Temporal being unreachable must not fail sign-up, so it is logged and
 * the relay schedule starts every cycle still missing.
 */
export async function startBillingCycle(deps: { temporal: Client; config: Config; db: Db; logger: Logger }, orgId: string): Promise<void> {
  try {
    await deps.temporal.workflow.start('billingCycleWorkflow', { ...startOptions(orgId, deps.config.temporal.taskQueue), workflowIdConflictPolicy: 'USE_EXISTING' });
    await deps.db('organizations').where({ id: orgId }).update({ billing_started_at: deps.db.fn.now() });
  } catch (error) {
    deps.logger.warn({ orgId, err: (error as Error).message }, 'billing cycle not started yet');
  }
}

/** Signals the organization's billing cycle, starting it first if it is missing (Stripe may know of an organization before its cycle runs). */
export async function signalBillingCycle<Arg>(temporal: Client, taskQueue: string, orgId: string, signal: SignalDefinition<[Arg]>, arg: Arg): Promise<void> {
  await temporal.workflow.signalWithStart<Workflow, [Arg]>('billingCycleWorkflow', { ...startOptions(orgId, taskQueue), signal, signalArgs: [arg] });
}

/** Active organizations whose cycle was never started (created while Temporal was down, or before billing). */
export function organizationsWithoutBillingCycle(db: Db, limit: number): Promise<string[]> {
  return db('organizations').where({ status: 'active' }).whereNull('billing_started_at').orderBy('id').limit(limit).pluck('id');
}
