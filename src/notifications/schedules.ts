import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { upsertSchedule } from '../platform/temporal/schedules';
import { OrgId } from '../../workflows/platform/searchAttributes';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import type { Db } from '../platform/db/knex';

type Spec = ScheduleOptions['spec'];

/**
 * The weekly usage report of one organization: Monday 08:00 in its time zone (or every `everyMs`, in
 * tests). Called when the organization is created and when its time zone changes.
 */
export function ensureUsageReportSchedule(
  client: Client,
  params: { orgId: string; timeZone: string; taskQueue: string; everyMs?: number },
): Promise<void> {
  const spec: Spec = params.everyMs
    ? { intervals: [{ every: params.everyMs }] }
    : { calendars: [{ dayOfWeek: 'MONDAY', hour: 8, minute: 0 }], timezone: params.timeZone };
  return upsertSchedule(client, {
    scheduleId: `usage-report:${params.orgId}`,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: 'usageReportWorkflow',
      workflowId: `usage-report:${params.orgId}`,
      taskQueue: params.taskQueue,
      args: [{ orgId: params.orgId }],
      typedSearchAttributes: [{ key: OrgId, value: params.orgId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  });
}

/**
 * Puts the organization's usage-report schedule in its zone and records that it did. Called when an
 * organization is created or changes zone; Temporal being unreachable must not fail that request, so it
 * is logged, and the relay schedule catches up with every organization whose recorded zone differs.
 */
export async function scheduleUsageReport(
  deps: { temporal: Client; config: Config; logger: Logger; db: Db },
  org: { id: string; timeZone: string },
): Promise<void> {
  const { taskQueue } = deps.config.temporal;
  try {
    await ensureUsageReportSchedule(deps.temporal, { orgId: org.id, timeZone: org.timeZone, taskQueue, everyMs: deps.config.notifications.usageReportEveryMs });
    await deps.db('organizations').where({ id: org.id }).update({ usage_report_time_zone: org.timeZone });
  } catch (error) {
    deps.logger.warn({ orgId: org.id, err: (error as Error).message }, 'usage report schedule not updated yet');
  }
}

/** Organizations whose schedule is missing or in an old zone (created before, or while Temporal was down). */
export function organizationsToSchedule(db: Db, limit: number): Promise<Array<{ id: string; timeZone: string }>> {
  return db('organizations')
    .where({ status: 'active' })
    .whereRaw('usage_report_time_zone is distinct from time_zone')
    .orderBy('id')
    .limit(limit)
    .select('id', 'time_zone as timeZone');
}
