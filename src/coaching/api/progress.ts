import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Tx } from '../../platform/db/knex';
import { withTenant } from '../../platform/db/tenancy';
import { ApiError } from '../../platform/http/errors';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, Timestamp } from '../../platform/http/v1/schemas';
import { coachingOrganization } from '../organizations';
import { levelChart, scoresChart } from '../progressCharts';
import { ownLearner } from './ownLearner';

/**
 * A learner's progress, for the learner and staff: level over time, scores per call, minutes practised,
 * weekly streak, topics covered, words in practice; with the charts as SVG rendered on the server. And the
 * staff's cohort view.
 */
const ScorePoint = z.object({ practiceCallId: z.string(), date: Timestamp, grammar: z.number().nullable(), vocabulary: z.number().nullable(), fluency: z.number().nullable(), pronunciation: z.number().nullable(), cefrBand: z.string().nullable() });
const Progress = z
  .object({
    userId: z.string(),
    name: z.string(),
    level: z.object({ current: z.string().nullable(), confidence: z.number().nullable(), history: z.array(z.object({ level: z.string().nullable(), changedAt: Timestamp })) }),
    calls: z.number().meta({ description: 'Completed practice calls' }),
    minutesPractised: z.number(),
    streakWeeks: z.number().meta({ description: "Consecutive weeks (Monday to Sunday in the learner's zone) up to this one with at least one completed call" }),
    practisedThisWeek: z.boolean(),
    topicsCovered: z.array(z.string()),
    words: z.object({ inPractice: z.number(), learned: z.number().meta({ description: 'Words reviewed successfully at least twice' }) }),
    scores: z.array(ScorePoint).meta({ description: 'Per analysed call, oldest first; null: not measured in that call' }),
    charts: z.object({ scores: z.string(), level: z.string() }).meta({ description: 'SVG documents' }),
  })
  .meta({ id: 'LearnerProgress' });

async function progressOf(trx: Tx, orgId: string, userId: string): Promise<z.input<typeof Progress>> {
  if (!(await coachingOrganization(trx, orgId))) throw new ApiError(404, 'not_coaching', 'Progress belongs to learners of coaching organizations');
  const learner = await trx('learners').join('users', 'users.id', 'learners.user_id').where('learners.user_id', userId).first('users.name', 'learners.time_zone', 'learners.estimated_level', 'learners.level_confidence');
  if (!learner) throw new ApiError(404, 'not_found', 'No such learner');
  const calls = await trx('practice_calls as p')
    .leftJoin('practice_analyses as a', (j) => j.on('a.org_id', 'p.org_id').andOn('a.practice_call_id', 'p.id'))
    .leftJoin('coach_topics as t', (j) => j.on('t.org_id', 'p.org_id').andOn('t.id', 'p.topic_id'))
    .where({ 'p.user_id': userId, 'p.status': 'completed' })
    .orderBy('p.ended_at')
    .select('p.id', 'p.ended_at', 'p.duration_seconds', 't.title', 'a.status as analysis', 'a.grammar_score', 'a.vocabulary_score', 'a.fluency_score', 'a.pronunciation_score', 'a.cefr_band', 'a.contested_at', 'a.review_decision');
  const history = await trx('learner_level_history').where({ user_id: userId }).orderBy('id').select('level', 'changed_at');
  const words = await trx('learner_words').where({ user_id: userId }).select('card');
  const week = (d: Date) => DateTime.fromJSDate(new Date(d), { zone: learner.time_zone }).startOf('week');
  const weeks = new Set(calls.map((c) => week(c.ended_at).toISODate()));
  let streak = 0;
  let cursor = DateTime.now().setZone(learner.time_zone).startOf('week');
  if (!weeks.has(cursor.toISODate())) cursor = cursor.minus({ weeks: 1 }); // this week may not have begun yet
  while (weeks.has(cursor.toISODate())) {
    streak++;
    cursor = cursor.minus({ weeks: 1 });
  }
  // Contested and unreviewed, or withdrawn: not shown as the learner's scores.
  const scored = calls.filter((c) => c.analysis === 'completed' && (!c.contested_at || c.review_decision === 'scores_stand'));
  const scores = scored.map((c) => ({ practiceCallId: c.id, date: iso(c.ended_at)!, grammar: c.grammar_score, vocabulary: c.vocabulary_score, fluency: c.fluency_score, pronunciation: c.pronunciation_score, cefrBand: c.cefr_band }));
  const day = (d: string) => d.slice(0, 10);
  return {
    userId,
    name: learner.name,
    level: { current: learner.estimated_level, confidence: learner.level_confidence, history: history.map((h) => ({ level: h.level, changedAt: iso(h.changed_at)! })) },
    calls: calls.length,
    minutesPractised: Math.round(calls.reduce((n, c) => n + (c.duration_seconds ?? 0), 0) / 60),
    streakWeeks: streak,
    practisedThisWeek: weeks.has(DateTime.now().setZone(learner.time_zone).startOf('week').toISODate()),
    topicsCovered: [...new Set(calls.map((c) => c.title).filter(Boolean))] as string[],
    words: { inPractice: words.length, learned: words.filter((w) => (w.card?.reps ?? 0) >= 2 && w.card?.lapses === 0).length },
    scores,
    charts: {
      scores: scoresChart(scores.map((s) => ({ ...s, date: day(s.date) }))),
      level: levelChart(history.map((h) => ({ date: day(iso(h.changed_at)!), level: h.level }))),
    },
  };
}

export const progressRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/learner/progress',
    operationId: 'getMyProgress',
    summary: 'Your progress: level over time, scores per call, minutes, streak, topics, words, with the charts as SVG',
    tag: 'Coaching',
    access: 'learner',
    response: { schema: Progress, description: 'Your progress' },
    errors: [404],
    handle: ({ auth, deps }) => withTenant(deps.db, auth.orgId, (trx) => progressOf(trx, auth.orgId, ownLearner(auth))),
  }),

  defineRoute({
    method: 'get',
    path: '/learners/{userId}/progress',
    operationId: 'getLearnerProgress',
    summary: "A learner's progress (staff)",
    tag: 'Coaching',
    access: 'member',
    params: z.object({ userId: z.string().max(64) }),
    response: { schema: Progress, description: 'The progress' },
    errors: [404],
    handle: ({ auth, deps, params }) => withTenant(deps.db, auth.orgId, (trx) => progressOf(trx, auth.orgId, params.userId)),
  }),

  defineRoute({
    method: 'get',
    path: '/coaching/cohort',
    operationId: 'getCohort',
    summary: 'Every learner at a glance: level, calls and minutes in the last 7 days, last call',
    tag: 'Coaching',
    access: 'member',
    response: {
      schema: z
        .object({ data: z.array(z.object({ userId: z.string(), name: z.string(), level: z.string().nullable(), callsThisWeek: z.number(), minutesThisWeek: z.number(), lastCallAt: Timestamp.nullable() })) })
        .meta({ id: 'Cohort' }),
      description: 'Learners, by name',
    },
    errors: [404],
    handle: ({ auth, deps }) =>
      withTenant(deps.db, auth.orgId, async (trx) => {
        if (!(await coachingOrganization(trx, auth.orgId))) throw new ApiError(404, 'not_coaching', 'This is not a coaching organization');
        const since = new Date(Date.now() - 7 * 86_400_000);
        const rows = await trx('learners as l')
          .join('users as u', 'u.id', 'l.user_id')
          .leftJoin('practice_calls as p', (j) => j.on('p.org_id', 'l.org_id').andOn('p.user_id', 'l.user_id').andOnVal('p.status', 'completed'))
          .groupBy('l.user_id', 'u.name', 'l.estimated_level')
          .orderBy('u.name')
          .select(
            'l.user_id',
            'u.name',
            'l.estimated_level',
            trx.raw('count(p.id) filter (where p.ended_at >= ?)::int as calls_week', [since]),
            trx.raw('coalesce(sum(p.duration_seconds) filter (where p.ended_at >= ?), 0)::int as seconds_week', [since]),
            trx.raw('max(p.ended_at) as last_call'),
          );
        return { data: rows.map((r) => ({ userId: r.user_id, name: r.name, level: r.estimated_level, callsThisWeek: r.calls_week, minutesThisWeek: Math.round(r.seconds_week / 60), lastCallAt: iso(r.last_call) })) };
      }),
  }),
];
