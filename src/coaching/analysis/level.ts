import type { Tx } from '../../platform/db/knex';
import { CEFR_LEVELS } from '../repositories/learners';

/**
 * A learner's estimated CEFR level, moved by evidence, not by one call: the median of the bands of their
 * last five scored, uncontested calls, in half steps ("B1+" between B1 and B2), once there are at least
 * three. A median ignores one outlying call either way. Confidence grows with the calls counted (up to
 * five) and shrinks with their spread. Every change is kept in the history with its reason.
 */
export const MIN_CALLS_FOR_LEVEL = 3;
const WINDOW = 5;

const bandValue = (band: string) => CEFR_LEVELS.indexOf(band as (typeof CEFR_LEVELS)[number]) + 1;
export function levelName(value: number): string {
  const whole = Math.floor(value);
  return `${CEFR_LEVELS[Math.min(5, Math.max(0, whole - 1))]}${value - whole >= 0.5 && whole < 6 ? '+' : ''}`;
}

export function estimateLevel(bands: string[]): { level: string; confidence: number } | null {
  if (bands.length < MIN_CALLS_FOR_LEVEL) return null;
  const values = bands.slice(0, WINDOW).map(bandValue).sort((a, b) => a - b);
  const middle = values.length / 2;
  const median = values.length % 2 ? values[Math.floor(middle)]! : (values[middle - 1]! + values[middle]!) / 2;
  const spread = values.at(-1)! - values[0]!;
  const confidence = Math.round(Math.min(1, values.length / WINDOW) * Math.max(0.2, 1 - spread / 4) * 100) / 100;
  return { level: levelName(median), confidence };
}

/** Recomputes the learner's level from their analyses; records a change (and only a change) in the history. */
export async function recomputeLevel(trx: Tx, orgId: string, userId: string, reason: string): Promise<{ level: string | null; changed: boolean }> {
  const bands: string[] = await trx('practice_analyses as a')
    .join('practice_calls as p', (j) => j.on('p.org_id', 'a.org_id').andOn('p.id', 'a.practice_call_id'))
    .where('p.user_id', userId)
    .where('a.status', 'completed')
    .whereNotNull('a.cefr_band')
    // Contested and not yet reviewed, or withdrawn by a reviewer: out of the estimate.
    .where((q) => q.whereNull('a.contested_at').orWhere('a.review_decision', 'scores_stand'))
    .orderBy('a.analysed_at', 'desc')
    .limit(WINDOW)
    .pluck('a.cefr_band');
  const estimate = estimateLevel(bands);
  const learner = await trx('learners').where({ user_id: userId }).first('estimated_level');
  const level = estimate?.level ?? null;
  await trx('learners').where({ user_id: userId }).update({ estimated_level: level, level_confidence: estimate?.confidence ?? null, level_calls: bands.length, updated_at: trx.fn.now() });
  const changed = (learner?.estimated_level ?? null) !== level;
  if (changed) await trx('learner_level_history').insert({ org_id: orgId, user_id: userId, level, confidence: estimate?.confidence ?? null, calls: bands.length, reason });
  return { level, changed };
}
