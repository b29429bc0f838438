import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

/** Creates the schedule, or brings an existing one to this spec and action (a time zone changed, a new task queue). */
export async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((current) => ({ ...current, spec: options.spec, action: options.action as typeof current.action }));
  }
}

/**
 * A platform chore run every `everyMs` by a schedule named `<name>:<taskQueue>` (one per deployment),
 * starting the workflow `workflowType` with no arguments; a run still going when the next is due is skipped.
 */
function ensureChoreSchedule(client: Client, name: string, workflowType: string, params: { taskQueue: string; everyMs: number }): Promise<void> {
  const id = `${name}:${params.taskQueue}`;
  return upsertSchedule(client, {
    scheduleId: id,
    spec: { intervals: [{ every: params.everyMs }] },
    action: { type: 'startWorkflow', workflowType, workflowId: id, taskQueue: params.taskQueue, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });
}

/** Starts notification deliveries that never started, and schedules missing weekly reports. */
export const ensureNotificationRelaySchedule = (client: Client, params: { taskQueue: string; everyMs: number }) =>
  ensureChoreSchedule(client, 'notification-relay', 'notificationRelayWorkflow', params);

/** Bills usage the call workflows left unbilled. */
export const ensureUsageCatchUpSchedule = (client: Client, params: { taskQueue: string; everyMs: number }) =>
  ensureChoreSchedule(client, 'usage-catch-up', 'usageCatchUpWorkflow', params);

/**
 * The retention sweep: daily at 03:00 UTC (or every `everyMs`), one sweep at a time; a sweep missed while
 * the server was down runs when it is back (within a day).
 */
export const ensureRetentionSweepSchedule = (client: Client, params: { scheduleId: string; taskQueue: string; everyMs?: number }) =>
  upsertSchedule(client, {
    scheduleId: params.scheduleId,
    spec: params.everyMs ? { intervals: [{ every: params.everyMs }] } : { calendars: [{ hour: 3, minute: 0 }] },
    action: { type: 'startWorkflow', workflowType: 'retentionSweepWorkflow', workflowId: params.scheduleId, taskQueue: params.taskQueue, args: [{}] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  });

/** Deletes a schedule; one that is not there (deleted before, never written) counts as deleted. */
export async function deleteScheduleIfAny(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}
