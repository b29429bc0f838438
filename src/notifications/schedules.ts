import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { OrgId } from '../../workflows/searchAttributes';
import type { Config } from '../config';
import type { Logger } from '../logger';

type Spec = ScheduleOptions['spec'];

/** Creates the schedule, or brings an existing one to this spec and action (a time zone changed, a new task queue). */
async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((current) => ({ ...current, spec: options.spec, action: options.action as typeof current.action }));
  }
}

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

/** Starts deliveries that never started, every `everyMs`; one schedule per task queue (so per deployment). */
export function ensureNotificationRelaySchedule(client: Client, params: { taskQueue: string; everyMs: number }): Promise<void> {
  return upsertSchedule(client, {
    scheduleId: `notification-relay:${params.taskQueue}`,
    spec: { intervals: [{ every: params.everyMs }] },
    action: { type: 'startWorkflow', workflowType: 'notificationRelayWorkflow', workflowId: `notification-relay:${params.taskQueue}`, taskQueue: params.taskQueue, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });
}

/**
 * The usage-report schedule for an organization just created or moved to another zone. Temporal being
 * unreachable must not fail the request that changed the organization: it is logged, and the next
 * change (or the worker's start) puts the schedule right.
 */
export async function scheduleUsageReport(
  deps: { temporal: Client; config: Config; logger: Logger },
  org: { id: string; timeZone: string },
): Promise<void> {
  const { taskQueue } = deps.config.temporal;
  await ensureUsageReportSchedule(deps.temporal, { orgId: org.id, timeZone: org.timeZone, taskQueue, everyMs: deps.config.notifications.usageReportEveryMs }).catch((error: Error) =>
    deps.logger.warn({ orgId: org.id, err: error.message }, 'usage report schedule not updated'),
  );
}
