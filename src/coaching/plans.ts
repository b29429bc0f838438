import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Db, Tx } from '../platform/db/knex';
import { deleteScheduleIfAny, upsertSchedule } from '../platform/temporal/schedules';
import { OrgId } from '../../workflows/platform/searchAttributes';
import { coachPlanScheduleId, practiceCallWorkflowIdBase, weeklyProgressScheduleId, type PracticeCallInput } from '../../workflows/coaching/definitions';

export interface PlanRow {
  id: string;
  org_id: string;
  user_id: string;
  days: number[];
  local_time: string;
  minutes: number;
  topic_ids: string[];
  next_topic: number;
  retry_attempts: number;
  retry_after_minutes: number;
  status: 'active' | 'paused' | 'ended';
  paused_reason: string | null;
  schedule_time_zone: string | null;
  created_at: Date;
  updated_at: Date;
}

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/**
 * A plan's times as a Temporal calendar spec in the learner's zone: Temporal computes each run in that
 * zone, so 09:00 stays 09:00 local across daylight-saving changes (a time skipped by a change runs at the
 * next valid moment; one repeated runs once).
 */
export function planScheduleSpec(plan: Pick<PlanRow, 'days' | 'local_time'>, timeZone: string): ScheduleOptions['spec'] {
  const [hour, minute] = plan.local_time.split(':').map(Number) as [number, number];
  return { calendars: [{ dayOfWeek: plan.days.map((d) => WEEKDAYS[d - 1]!), hour, minute }], timezone: timeZone };
}

/**
 * Writes the plan's schedule (created, or brought to the plan's current days, time and zone) and its
 * paused state. The schedule's action is the same for every run; the run reads the plan when it starts.
 */
export async function writePlanSchedule(client: Client, taskQueue: string, plan: PlanRow, timeZone: string): Promise<void> {
  const input: PracticeCallInput = { orgId: plan.org_id, planId: plan.id, trigger: 'schedule' };
  const paused = plan.status !== 'active';
  await upsertSchedule(client, {
    scheduleId: coachPlanScheduleId(plan.id),
    spec: planScheduleSpec(plan, timeZone),
    action: {
      type: 'startWorkflow',
      workflowType: 'practiceCallWorkflow',
      workflowId: practiceCallWorkflowIdBase(plan.id),
      taskQueue,
      args: [input],
      typedSearchAttributes: [{ key: OrgId, value: plan.org_id }],
    },
    // A call still under way when the next is due (a retry) means the next is skipped; one missed while
    // the platform was down is not placed late (a call at the wrong hour is worse than none).
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { paused, note: paused ? (plan.paused_reason ?? 'paused') : undefined },
  });
  await writeWeeklyProgressSchedule(client, taskQueue, plan.org_id);
  const handle = client.schedule.getHandle(coachPlanScheduleId(plan.id));
  // upsert keeps an existing schedule's state: bring it to the plan's.
  const described = await handle.describe();
  if (described.state.paused !== paused) await (paused ? handle.pause(plan.paused_reason ?? 'paused') : handle.unpause('resumed'));
}

/**
 * The organization's weekly progress emails: Mondays 08:00 UTC, when every learner's week (counted in
 * their own zone) has ended but in the zones west of UTC. Written with every plan, so a school with
 * learners always has it.
 */
export async function writeWeeklyProgressSchedule(client: Client, taskQueue: string, orgId: string): Promise<void> {
  await upsertSchedule(client, {
    scheduleId: weeklyProgressScheduleId(orgId),
    spec: { calendars: [{ dayOfWeek: 'MONDAY', hour: 9, minute: 0 }] },
    action: { type: 'startWorkflow', workflowType: 'weeklyProgressWorkflow', workflowId: weeklyProgressScheduleId(orgId), taskQueue, args: [{ orgId }], typedSearchAttributes: [{ key: OrgId, value: orgId }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  });
}

export async function pausePlanSchedule(client: Client, planId: string, reason: string): Promise<void> {
  try {
    await client.schedule.getHandle(coachPlanScheduleId(planId)).pause(reason);
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

export const deletePlanSchedule = (client: Client, planId: string): Promise<void> => deleteScheduleIfAny(client, coachPlanScheduleId(planId));

/**
 * Pauses the schedules of plans whose rows were just paused (consent withdrawn), within the webhook's
 * patience: Temporal unreachable is logged, not thrown; the rows are paused already and a run that starts
 * anyway is refused for want of consent.
 */
export async function pausePlanSchedulesSoon(deps: { temporal: Client }, planIds: string[], logger: { warn(obj: object, msg: string): void }): Promise<void> {
  for (const planId of planIds) {
    try {
      await pausePlanSchedule(deps.temporal, planId, 'consent withdrawn');
    } catch (err) {
      logger.warn({ err, planId }, 'plan schedule not paused yet; its runs are refused without consent');
    }
  }
}

/** The learner moved to another zone: every plan of theirs that is not ended keeps its local time there. */
export async function movePlanSchedules(trx: Tx, client: Client, taskQueue: string, userId: string, timeZone: string): Promise<number> {
  const plans: PlanRow[] = await trx('coach_plans').where({ user_id: userId }).whereNot({ status: 'ended' });
  for (const plan of plans) await writePlanSchedule(client, taskQueue, plan, timeZone);
  await trx('coach_plans').where({ user_id: userId }).whereNot({ status: 'ended' }).update({ schedule_time_zone: timeZone, updated_at: trx.fn.now() });
  return plans.length;
}

/** An organization being erased: none of its plans may call anyone again. */
export async function deletePlanSchedulesOf(deps: { db: Db; temporal: Client }, orgId: string): Promise<number> {
  const plans: string[] = await deps.db('coach_plans').where({ org_id: orgId }).pluck('id');
  for (const planId of plans) await deletePlanSchedule(deps.temporal, planId);
  await deleteScheduleIfAny(deps.temporal, weeklyProgressScheduleId(orgId));
  return plans.length;
}
