import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { audit } from '../../platform/http/v1/audit';
import type { V1Deps } from '../../platform/http/v1/deps';
import { defineRoute } from '../../platform/http/v1/route';
import { idOf, iso, Timestamp } from '../../platform/http/v1/schemas';
import { OrgId } from '../../../workflows/platform/searchAttributes';
import { practiceCallWorkflowId, type PracticeCallInput } from '../../../workflows/coaching/definitions';
import { requireCoachingOrganization } from '../organizations';
import { deletePlanSchedule, writePlanSchedule, type PlanRow } from '../plans';

/**
 * A learner's call plans: when the coach calls (days, local time), for how long, on which topics in turn,
 * and how a missed call is retried. Each plan is the Temporal Schedule `coach-plan:<planId>` in the
 * learner's time zone, written in the same transaction as the plan (Temporal refusing it refuses the
 * change). A learner manages their own plans; staff manage any learner's.
 */
const Weekday = z.number().int().min(1).max(7);
const PlanFields = {
  days: z.array(Weekday).min(1).max(7).refine((d) => new Set(d).size === d.length, 'must not repeat a day').meta({ description: 'ISO weekdays, 1 = Monday … 7 = Sunday' }),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)').meta({ description: "Local time in the learner's time zone", example: '18:30' }),
  minutes: z.union([z.literal(10), z.literal(15), z.literal(20), z.literal(30)]).meta({ description: 'Length of each call' }),
  topicIds: z.array(idOf('top')).min(1).max(20).meta({ description: 'Topics, taken in turn, one per call' }),
  retryAttempts: z.number().int().min(0).max(3).meta({ description: 'Attempts after a busy, unanswered or voicemail call (never outside the calling window)' }),
  retryAfterMinutes: z.number().int().min(5).max(120),
};
const NewPlan = z.object({ ...PlanFields, retryAttempts: PlanFields.retryAttempts.default(1), retryAfterMinutes: PlanFields.retryAfterMinutes.default(10), userId: z.string().optional().meta({ description: "Staff only: the learner whose plan it is (a learner's own plan needs none)" }) });
const PlanPatch = z.object(PlanFields).partial();

const Plan = z
  .object({
    id: z.string(),
    userId: z.string(),
    days: z.array(Weekday),
    time: z.string(),
    timeZone: z.string(),
    minutes: z.number(),
    topicIds: z.array(z.string()),
    retryAttempts: z.number(),
    retryAfterMinutes: z.number(),
    status: z.enum(['active', 'paused', 'ended']),
    pausedReason: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'CallPlan' });

const toApi = (row: PlanRow, timeZone: string): z.input<typeof Plan> => ({
  id: row.id,
  userId: row.user_id,
  days: row.days,
  time: row.local_time,
  timeZone,
  minutes: row.minutes,
  topicIds: row.topic_ids,
  retryAttempts: row.retry_attempts,
  retryAfterMinutes: row.retry_after_minutes,
  status: row.status,
  pausedReason: row.paused_reason,
  createdAt: iso(row.created_at)!,
});

const noSuchPlan = () => new ApiError(404, 'not_found', 'No such plan');
type Auth = { orgId: string; userId: string | null; role: string };

/** The plan if this person may see it: staff see every plan of their organization, a learner only their own. */
async function visiblePlan(trx: Tx, auth: Auth, planId: string): Promise<{ plan: PlanRow; timeZone: string }> {
  const plan: (PlanRow & { time_zone: string }) | undefined = await trx('coach_plans').join('learners', 'learners.user_id', 'coach_plans.user_id').where('coach_plans.id', planId).first('coach_plans.*', 'learners.time_zone');
  if (!plan || (auth.role === 'learner' && plan.user_id !== auth.userId)) throw noSuchPlan();
  return { plan, timeZone: plan.time_zone };
}

async function checkTopics(trx: Tx, topicIds: string[]): Promise<void> {
  const found = await trx('coach_topics').whereIn('id', topicIds).whereNull('archived_at').pluck('id');
  const missing = topicIds.filter((id) => !found.includes(id));
  if (missing.length) throw new ApiError(400, 'invalid_request', `topicIds: no such topic: ${missing.join(', ')}`, 'topicIds');
}

async function inCoaching<T>(deps: V1Deps, auth: Auth, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return withTenant(deps.db, auth.orgId, async (trx) => {
    await requireCoachingOrganization(trx, auth.orgId, 'Plans belong to coaching organizations');
    return fn(trx);
  });
}

const schedule = (deps: V1Deps, plan: PlanRow, timeZone: string) => writePlanSchedule(deps.temporal, deps.config.temporal.taskQueue, plan, timeZone);

async function changeStatus(trx: Tx, deps: V1Deps, auth: Auth, planId: string, to: 'active' | 'paused', reason: string | null): Promise<z.input<typeof Plan>> {
  const { plan, timeZone } = await visiblePlan(trx, auth, planId);
  if (plan.status === 'ended') throw new ApiError(409, 'plan_ended', 'This plan has ended');
  if (to === 'active') {
    const consent = await trx('learners')
      .join('coach_consents', (j) => j.on('coach_consents.user_id', 'learners.user_id').andOn('coach_consents.phone_e164', 'learners.phone_e164'))
      .where('learners.user_id', plan.user_id)
      .whereNull('coach_consents.withdrawn_at')
      .first('coach_consents.id');
    if (!consent) throw new ApiError(409, 'no_consent', 'The learner has not agreed to be called at their number: agree first (POST /me/learner/consent)');
  }
  const [row] = await trx<PlanRow>('coach_plans').where({ id: plan.id }).update({ status: to, paused_reason: reason, updated_at: trx.fn.now() as never }).returning('*');
  await schedule(deps, row!, timeZone);
  return toApi(row!, timeZone);
}

/** Pausing and resuming: the plan's row and its schedule together, audited. */
function statusRoute(action: 'pause' | 'resume', operationId: string, summary: string) {
  const to = action === 'pause' ? 'paused' : 'active';
  return defineRoute({
    method: 'post',
    path: `/plans/{planId}/${action}`,
    operationId,
    summary,
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ planId: idOf('plan') }),
    response: { schema: Plan, description: `The plan, ${to}` },
    errors: [404, 409],
    handle: ({ auth, deps, params, req }) =>
      inCoaching(deps, auth, async (trx) => {
        const plan = await changeStatus(trx, deps, auth, params.planId, to, action === 'pause' ? 'paused by request' : null);
        await audit(trx, req, auth, { action: action === 'pause' ? 'coaching.plan_paused' : 'coaching.plan_resumed', targetType: 'plan', targetId: params.planId });
        return plan;
      }),
  });
}

export const planRoutes = [
  defineRoute({
    method: 'get',
    path: '/plans',
    operationId: 'listPlans',
    summary: 'Call plans: a learner sees their own, staff every learner\'s (or one learner\'s with userId)',
    tag: 'Coaching',
    access: 'learner',
    query: z.object({ userId: z.string().max(64).optional() }),
    response: { schema: z.object({ data: z.array(Plan) }).meta({ id: 'CallPlanList' }), description: 'Plans, newest first' },
    errors: [404],
    handle: ({ auth, deps, query }) =>
      inCoaching(deps, auth, async (trx) => {
        const owner = auth.role === 'learner' ? auth.userId : query.userId;
        const rows: Array<PlanRow & { time_zone: string }> = await trx('coach_plans')
          .join('learners', 'learners.user_id', 'coach_plans.user_id')
          .modify((q) => void (owner && q.where('coach_plans.user_id', owner)))
          .whereNot('coach_plans.status', 'ended')
          .orderBy('coach_plans.created_at', 'desc')
          .select('coach_plans.*', 'learners.time_zone');
        return { data: rows.map((r) => toApi(r, r.time_zone)) };
      }),
  }),

  defineRoute({
    method: 'post',
    path: '/plans',
    operationId: 'createPlan',
    summary: 'Create a call plan: the coach calls on these days at this local time (a Temporal Schedule in the learner\'s zone)',
    tag: 'Coaching',
    access: 'learner',
    body: NewPlan,
    response: { status: 201, schema: Plan, description: 'The plan, active, its schedule written' },
    errors: [404],
    handle: ({ auth, body, deps, req }) =>
      inCoaching(deps, auth, async (trx) => {
        const userId = auth.role === 'learner' ? auth.userId : body.userId;
        if (!userId) throw new ApiError(400, 'invalid_request', 'userId: staff name the learner whose plan it is', 'userId');
        const learner = await trx('learners').where({ user_id: userId }).first('time_zone', 'closed_at');
        if (!learner) throw new ApiError(404, 'not_found', 'No such learner');
        if (learner.closed_at) throw new ApiError(409, 'account_closed', 'This learner account is closed');
        await checkTopics(trx, body.topicIds);
        const [row] = await trx<PlanRow>('coach_plans')
          .insert({ id: newId('plan'), org_id: auth.orgId, user_id: userId, days: body.days, local_time: body.time, minutes: body.minutes, topic_ids: body.topicIds, retry_attempts: body.retryAttempts, retry_after_minutes: body.retryAfterMinutes, schedule_time_zone: learner.time_zone })
          .returning('*');
        await schedule(deps, row!, learner.time_zone);
        await audit(trx, req, auth, { action: 'coaching.plan_created', targetType: 'plan', targetId: row!.id, metadata: { userId } });
        return toApi(row!, learner.time_zone);
      }),
  }),

  defineRoute({
    method: 'get',
    path: '/plans/{planId}',
    operationId: 'getPlan',
    summary: 'One call plan',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ planId: idOf('plan') }),
    response: { schema: Plan, description: 'The plan' },
    errors: [404],
    handle: ({ auth, deps, params }) =>
      inCoaching(deps, auth, async (trx) => {
        const { plan, timeZone } = await visiblePlan(trx, auth, params.planId);
        return toApi(plan, timeZone);
      }),
  }),

  defineRoute({
    method: 'patch',
    path: '/plans/{planId}',
    operationId: 'updatePlan',
    summary: 'Change a plan in place: its schedule follows (same id, new days, time or length)',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ planId: idOf('plan') }),
    body: PlanPatch,
    response: { schema: Plan, description: 'The plan after the change' },
    errors: [404, 409],
    handle: ({ auth, body, deps, params, req }) =>
      inCoaching(deps, auth, async (trx) => {
        const { plan, timeZone } = await visiblePlan(trx, auth, params.planId);
        if (plan.status === 'ended') throw new ApiError(409, 'plan_ended', 'This plan has ended');
        if (body.topicIds) await checkTopics(trx, body.topicIds);
        const [row] = await trx<PlanRow>('coach_plans')
          .where({ id: plan.id })
          .update({
            ...(body.days ? { days: body.days } : {}),
            ...(body.time ? { local_time: body.time } : {}),
            ...(body.minutes ? { minutes: body.minutes } : {}),
            ...(body.topicIds ? { topic_ids: body.topicIds, next_topic: 0 } : {}),
            ...(body.retryAttempts !== undefined ? { retry_attempts: body.retryAttempts } : {}),
            ...(body.retryAfterMinutes !== undefined ? { retry_after_minutes: body.retryAfterMinutes } : {}),
            schedule_time_zone: timeZone,
            updated_at: trx.fn.now() as never,
          })
          .returning('*');
        await schedule(deps, row!, timeZone);
        await audit(trx, req, auth, { action: 'coaching.plan_changed', targetType: 'plan', targetId: plan.id, metadata: { fields: Object.keys(body) } });
        return toApi(row!, timeZone);
      }),
  }),

  statusRoute('pause', 'pausePlan', 'Pause a plan: no call is placed until it is resumed'),
  statusRoute('resume', 'resumePlan', 'Resume a paused plan (refused while the learner has not agreed to be called at their number)'),

  defineRoute({
    method: 'post',
    path: '/plans/{planId}/call-now',
    operationId: 'callNow',
    summary: 'Call me now: a practice call of this plan, placed at once after the same checks as a planned one',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ planId: idOf('plan') }),
    response: { status: 202, schema: z.object({ workflowId: z.string() }).meta({ id: 'PracticeCallStarted' }), description: 'The practice call is under way (its outcome: GET /practice-calls)' },
    errors: [404, 409],
    handle: ({ auth, deps, params, req }) =>
      inCoaching(deps, auth, async (trx) => {
        const { plan } = await visiblePlan(trx, auth, params.planId);
        if (plan.status !== 'active') throw new ApiError(409, 'plan_paused', 'This plan is paused: resume it first');
        const busy = await trx('practice_calls').where({ plan_id: plan.id }).whereIn('status', ['checking', 'dialing', 'in_progress', 'retry_wait']).first('id');
        if (busy) throw new ApiError(409, 'call_in_progress', 'A practice call of this plan is already under way');
        const workflowId = practiceCallWorkflowId(plan.id, new Date());
        const input: PracticeCallInput = { orgId: auth.orgId, planId: plan.id, trigger: 'now' };
        try {
          // An id is never reused: a second "call me now" within the same millisecond is refused, not merged into the first.
          await deps.temporal.workflow.start('practiceCallWorkflow', { workflowId, taskQueue: deps.config.temporal.taskQueue, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE', typedSearchAttributes: [{ key: OrgId, value: auth.orgId }] });
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ApiError(409, 'call_in_progress', 'A practice call of this plan was just started');
          throw error;
        }
        await audit(trx, req, auth, { action: 'coaching.call_now', targetType: 'plan', targetId: plan.id, metadata: { workflowId } });
        return { workflowId };
      }),
  }),

  defineRoute({
    method: 'delete',
    path: '/plans/{planId}',
    operationId: 'endPlan',
    summary: 'End a plan: its schedule is deleted; its past calls stay',
    tag: 'Coaching',
    access: 'learner',
    params: z.object({ planId: idOf('plan') }),
    errors: [404],
    handle: ({ auth, deps, params, req }) =>
      inCoaching(deps, auth, async (trx) => {
        const { plan } = await visiblePlan(trx, auth, params.planId);
        await trx('coach_plans').where({ id: plan.id }).update({ status: 'ended', paused_reason: null, updated_at: trx.fn.now() });
        await deletePlanSchedule(deps.temporal, plan.id);
        await audit(trx, req, auth, { action: 'coaching.plan_ended', targetType: 'plan', targetId: plan.id });
      }),
  }),
];
