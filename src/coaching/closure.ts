import type { Client } from '@temporalio/client';
import { auditLogRepository } from '../accounts/repositories/auditLog';
import { usersRepository } from '../accounts/repositories/users';
import type { Db, Tx } from '../platform/db/knex';
import { withTenant } from '../platform/db/tenancy';
import { pauseLearnerPlans } from './consent';
import { deleteEngineRecordings } from './engineRecordings';
import type { VapiClient } from './engines/vapiClient';
import { deletePlanSchedule } from './plans';

/**
 * Closing a learner account, as the coaching service promises: it is kept restricted (no calls: plans
 * ended and their schedules deleted, consent withdrawn; no processing: an objection recorded; no emails but
 * those the law requires: no plan, so no weekly email) for COACH_CLOSED_ACCOUNT_RETENTION_DAYS (two years),
 * then the retention sweep erases it, keeping only payment records and the evidence of consent.
 */
export async function closeLearner(trx: Tx, temporal: Client, input: { orgId: string; userId: string; requestId?: string }): Promise<void> {
  const learner = await trx('learners').where({ user_id: input.userId }).whereNull('closed_at').first('phone_e164');
  if (!learner) return;
  await pauseLearnerPlans(trx, { orgId: input.orgId, userId: input.userId, e164: learner.phone_e164, via: 'api', actorId: input.userId, requestId: input.requestId });
  const plans: string[] = await trx('coach_plans').where({ user_id: input.userId }).whereNot({ status: 'ended' }).pluck('id');
  await trx('coach_plans').where({ user_id: input.userId }).update({ status: 'ended', paused_reason: 'account closed', updated_at: trx.fn.now() });
  await trx('learners').where({ user_id: input.userId }).update({ closed_at: trx.fn.now(), objected_at: trx.raw('coalesce(objected_at, now())'), updated_at: trx.fn.now() });
  for (const planId of plans) await deletePlanSchedule(temporal, planId);
  await auditLogRepository(trx).record({ orgId: input.orgId, actorType: 'user', actorId: input.userId, action: 'coaching.account_closed', targetType: 'user', targetId: input.userId, metadata: { plansEnded: plans }, requestId: input.requestId });
}

/**
 * The sweep's step for closed accounts past their period: each erased (eraseLearner). Returns how many.
 */
export async function eraseClosedLearners(deps: { db: Db; vapi?: VapiClient }, orgId: string, closedBefore: Date, onEach?: () => void): Promise<number> {
  const due: string[] = await deps.db('learners').where({ org_id: orgId }).where('closed_at', '<', closedBefore).pluck('user_id');
  for (const userId of due) await eraseLearner(deps, orgId, userId, 'closed account past its retention', onEach);
  return due.length;
}

/**
 * A learner erased: their recordings deleted at Vapi, their calls (transcripts with them), practice calls,
 * analyses, plans, words and profile erased, their membership ended and, with no other, the person; the
 * balance ledger (payment records, ten years) and the consent evidence stay. Run again, it finishes what
 * a crash left.
 */
export async function eraseLearner(deps: { db: Db; vapi?: VapiClient }, orgId: string, userId: string, reason: string, onEach?: () => void): Promise<void> {
  // Recordings at Vapi first: once the practice calls are gone, nothing would say where they are.
  await deleteEngineRecordings(deps, orgId, { userId, onEach });
  await withTenant(deps.db, orgId, async (trx) => {
    const calls: string[] = await trx('practice_calls').where({ user_id: userId }).whereNotNull('call_id').pluck('call_id');
    await trx('coach_plans').where({ user_id: userId }).del(); // practice calls and analyses go with them
    if (calls.length) await trx('calls').whereIn('id', calls).del(); // and the transcripts with the calls
    await trx('learners').where({ user_id: userId }).del(); // words, mistakes, level history with it
    await auditLogRepository(trx).record({ orgId, actorType: 'system', actorId: null, action: 'coaching.learner_erased', targetType: 'user', targetId: userId, metadata: { calls: calls.length, reason } });
  });
  await usersRepository(deps.db).removeFromOrganization(orgId, userId);
  onEach?.();
}

