import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';
import { APP_ROLE } from '../src/platform/db/tenancy';

/**
 * What a learner practises between calls: words on a spaced-repetition schedule (FSRS, `ts-fsrs`; one card
 * per learner and word, every review logged and keyed by the call it came from, so a re-run never grades
 * twice), and the kinds of mistake that keep coming back (counted once per call).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('learner_words', (t) => {
    orgIdColumn(t);
    t.text('user_id').notNullable();
    t.text('word').notNullable();
    t.jsonb('card').notNullable(); // the ts-fsrs card
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.text('source').notNullable().checkIn(['new', 'misused']);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'user_id', 'word']);
    t.foreign(['org_id', 'user_id']).references(['org_id', 'user_id']).inTable('learners').onDelete('CASCADE');
  });
  await knex.raw('create index learner_words_due on learner_words (org_id, user_id, due_at)');
  await enableTenantIsolation(knex, 'learner_words');

  await knex.schema.createTable('learner_word_reviews', (t) => {
    t.bigIncrements('id').primary();
    orgIdColumn(t);
    t.text('user_id').notNullable();
    t.text('word').notNullable();
    t.text('practice_call_id').notNullable();
    t.smallint('rating').notNullable();
    t.timestamp('reviewed_at', { useTz: true }).notNullable();
    t.unique(['org_id', 'practice_call_id', 'word']);
  });
  await enableTenantIsolation(knex, 'learner_word_reviews');
  await knex.raw(`grant usage on sequence learner_word_reviews_id_seq to ${APP_ROLE}`);

  await knex.schema.createTable('learner_mistakes', (t) => {
    orgIdColumn(t);
    t.text('user_id').notNullable();
    t.text('category').notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.text('last_rule').notNullable();
    t.specificType('practice_call_ids', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'user_id', 'category']);
    t.foreign(['org_id', 'user_id']).references(['org_id', 'user_id']).inTable('learners').onDelete('CASCADE');
  });
  await enableTenantIsolation(knex, 'learner_mistakes');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('learner_mistakes');
  await knex.schema.dropTable('learner_word_reviews');
  await knex.schema.dropTable('learner_words');
}
