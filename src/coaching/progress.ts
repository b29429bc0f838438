import { DateTime } from 'luxon';
import type { Tx } from '../platform/db/knex';
import { ApiError } from '../platform/http/errors';
import { iso } from '../platform/http/v1/schemas';
import { requireCoachingOrganization } from './organizations';
import { levelChart, scoresChart } from './progressCharts';

/** A learner's progress: what `GET /me/learner/progress` shows and the weekly email sums up. */
export interface LearnerProgress {
  userId: string;
  name: string;
  level: { current: string | null; confidence: number | null; history: Array<{ level: string | null; changedAt: string }> };
  calls: number;
  minutesPractised: number;
  streakWeeks: number;
  practisedThisWeek: boolean;
  topicsCovered: string[];
  words: { inPractice: number; learned: number };
  scores: Array<{ practiceCallId: string; date: string; grammar: number | null; vocabulary: number | null; fluency: number | null; pronunciation: number | null; cefrBand: string | null }>;
  charts: { scores: string; level: string };
}

export async function progressOf(trx: Tx, orgId: string, userId: string): Promise<LearnerProgress> {
  await requireCoachingOrganization(trx, orgId, 'Progress belongs to learners of coaching organizations');
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

