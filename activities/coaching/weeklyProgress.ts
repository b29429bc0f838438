import { Context } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Config } from '../../src/platform/config';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import type { Notifier } from '../../src/notifications/notifier';
import { progressOf } from '../../src/coaching/progress';

export function createWeeklyProgressActivities(deps: { db: Db; config: Config; notifier: Notifier }) {
  return {
    /**
     * Each learner with a plan that is not ended gets the week that ended before `at` (Monday to Sunday in
     * their zone) summed up: calls and minutes, level, streak, words. Returns how many notices it wrote.
     */
    async sendWeeklyProgress(input: { orgId: string; at: string }): Promise<number> {
      const learners: string[] = await withTenant(deps.db, input.orgId, (trx) => trx('coach_plans').whereNot({ status: 'ended' }).distinct('user_id').pluck('user_id'));
      let sent = 0;
      for (const userId of learners) {
        const summary = await withTenant(deps.db, input.orgId, async (trx) => {
          const zone = (await trx('learners').where({ user_id: userId }).first('time_zone'))?.time_zone ?? 'UTC';
          const weekStart = DateTime.fromISO(input.at, { zone }).startOf('week').minus({ weeks: 1 });
          const week = await trx('practice_calls')
            .where({ user_id: userId, status: 'completed' })
            .where('ended_at', '>=', weekStart.toJSDate())
            .where('ended_at', '<', weekStart.plus({ weeks: 1 }).toJSDate())
            .first(trx.raw('count(*)::int as calls'), trx.raw('coalesce(sum(duration_seconds), 0)::int as seconds'));
          return { weekStart, week, progress: await progressOf(trx, input.orgId, userId) };
        });
        const ids = await deps.notifier.notify({
          kind: 'coaching.weekly_progress',
          orgId: input.orgId,
          payload: {
            weekStart: summary.weekStart.toUTC().toISO()!,
            callsThisWeek: summary.week.calls,
            minutesThisWeek: Math.round(summary.week.seconds / 60),
            level: summary.progress.level.current,
            streakWeeks: summary.progress.streakWeeks,
            wordsInPractice: summary.progress.words.inPractice,
            // The report page with its charts, behind the learner's sign-in.
            progressUrl: `${deps.config.http.publicBaseUrl}/api/v1/me/learner/progress/page`,
          },
          to: { userIds: [userId] },
          cause: `weekly-progress:${userId}:${summary.weekStart.toISODate()}`,
        });
        sent += ids.length;
        Context.current().heartbeat(sent);
      }
      return sent;
    },
  };
}

export type WeeklyProgressActivities = ReturnType<typeof createWeeklyProgressActivities>;
