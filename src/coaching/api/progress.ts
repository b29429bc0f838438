import type { Response } from 'express';
import { z } from 'zod';
import { withTenant } from '../../platform/db/tenancy';
import { defineRoute } from '../../platform/http/v1/route';
import { iso, Timestamp } from '../../platform/http/v1/schemas';
import { requireCoachingOrganization } from '../organizations';
import { progressOf, type LearnerProgress } from '../progress';
import { progressPage } from '../progressPage';
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

function sendPage(res: Response, progress: LearnerProgress): void {
  res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'private, no-store' }).send(progressPage(progress));
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
    path: '/me/learner/progress/page',
    operationId: 'getMyProgressPage',
    summary: 'Your progress report as a page with its charts',
    tag: 'Coaching',
    access: 'learner',
    raw: true,
    file: { contentType: 'text/html', description: 'The progress report' },
    errors: [404],
    handle: async ({ auth, deps, res }) => sendPage(res, await withTenant(deps.db, auth.orgId, (trx) => progressOf(trx, auth.orgId, ownLearner(auth)))),
  }),

  defineRoute({
    method: 'get',
    path: '/learners/{userId}/progress/page',
    operationId: 'getLearnerProgressPage',
    summary: "A learner's progress report as a page with its charts (staff)",
    tag: 'Coaching',
    access: 'member',
    raw: true,
    file: { contentType: 'text/html', description: 'The progress report' },
    params: z.object({ userId: z.string().max(64) }),
    errors: [404],
    handle: async ({ auth, deps, params, res }) => sendPage(res, await withTenant(deps.db, auth.orgId, (trx) => progressOf(trx, auth.orgId, params.userId))),
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
        await requireCoachingOrganization(trx, auth.orgId, 'This is not a coaching organization');
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
