import { createEmptyCard, fsrs, generatorParameters, Rating, TypeConvert, type Card, type Grade } from 'ts-fsrs';
import type { Tx } from '../platform/db/knex';

/**
 * The loop between calls: the words a learner met (new ones used well, misused ones and their better
 * form) go on a spaced-repetition schedule (FSRS through `ts-fsrs`, fuzzed so words learned together do
 * not all fall due together); mistakes are counted by kind, once per call. The next call's coach is given
 * the words due and the mistakes that keep coming back.
 */
const scheduler = fsrs(generatorParameters({ request_retention: 0.9, maximum_interval: 365, enable_fuzz: true }));

/** Due words and recurring kinds of mistake, for the coach of the next call. */
export interface PracticeFocus {
  reviewWords: string[];
  recurringMistakes: Array<{ category: string; rule: string }>;
}

const normalise = (word: string) => word.trim().toLowerCase().slice(0, 60);

async function review(trx: Tx, input: { orgId: string; userId: string; practiceCallId: string; at: Date }, word: string, rating: Grade, source: 'new' | 'misused'): Promise<void> {
  // One review per word per call: a re-run of the analysis grades nothing twice.
  const logged = await trx('learner_word_reviews')
    .insert({ org_id: input.orgId, user_id: input.userId, word, practice_call_id: input.practiceCallId, rating, reviewed_at: input.at })
    .onConflict(['org_id', 'practice_call_id', 'word'])
    .ignore()
    .returning('id');
  if (logged.length === 0) return;
  const row = await trx('learner_words').where({ user_id: input.userId, word }).first('card');
  const card: Card = row ? TypeConvert.card(row.card) : createEmptyCard(input.at);
  const next = scheduler.next(card, input.at, rating).card;
  await trx('learner_words')
    .insert({ org_id: input.orgId, user_id: input.userId, word, card: JSON.stringify(next), due_at: next.due, source })
    .onConflict(['org_id', 'user_id', 'word'])
    .merge({ card: JSON.stringify(next), due_at: next.due });
}

/**
 * What one analysed call taught: new words used well (Good), misused words' better forms (Again), words
 * that were due and that the learner used (Good); mistakes counted by kind. `at` is when the call ended.
 */
export async function recordPractice(
  trx: Tx,
  input: { orgId: string; userId: string; practiceCallId: string; at: Date; learnerWords: Set<string>; newWords: string[]; misused: Array<{ better: string }>; mistakes: Array<{ category: string; rule: string }> },
): Promise<void> {
  for (const word of new Set(input.newWords.map(normalise))) await review(trx, input, word, Rating.Good, 'new');
  for (const word of new Set(input.misused.map((m) => normalise(m.better)))) await review(trx, input, word, Rating.Again, 'misused');
  const due: string[] = await trx('learner_words').where({ user_id: input.userId }).where('due_at', '<=', input.at).pluck('word');
  for (const word of due) if (word.split(/\s+/).every((w) => input.learnerWords.has(w))) await review(trx, input, word, Rating.Good, 'new');
  for (const mistake of input.mistakes) {
    const category = mistake.category.trim().toLowerCase().slice(0, 60);
    await trx('learner_mistakes')
      .insert({ org_id: input.orgId, user_id: input.userId, category, count: 1, last_rule: mistake.rule, practice_call_ids: [input.practiceCallId] })
      .onConflict(['org_id', 'user_id', 'category'])
      .merge({
        count: trx.raw('case when ? = any(learner_mistakes.practice_call_ids) then learner_mistakes.count else learner_mistakes.count + 1 end', [input.practiceCallId]),
        practice_call_ids: trx.raw('case when ? = any(learner_mistakes.practice_call_ids) then learner_mistakes.practice_call_ids else array_append(learner_mistakes.practice_call_ids, ?) end', [input.practiceCallId, input.practiceCallId]),
        last_rule: mistake.rule,
        updated_at: trx.fn.now(),
      });
  }
}

/** Up to five words due now, and up to three kinds of mistake seen in at least two calls, most frequent first. */
export async function practiceFocus(trx: Tx, userId: string, now: Date): Promise<PracticeFocus> {
  const reviewWords: string[] = await trx('learner_words').where({ user_id: userId }).where('due_at', '<=', now).orderBy('due_at').limit(5).pluck('word');
  const mistakes = await trx('learner_mistakes').where({ user_id: userId }).where('count', '>=', 2).orderBy([{ column: 'count', order: 'desc' }, { column: 'updated_at', order: 'desc' }]).limit(3).select('category', 'last_rule');
  return { reviewWords, recurringMistakes: mistakes.map((m) => ({ category: m.category, rule: m.last_rule })) };
}
