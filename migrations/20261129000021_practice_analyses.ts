import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, tenantForeignKey, timestamps } from '../src/platform/db/schemaHelpers';

/**
 * The analysis of a finished practice call: its state (pending, completed, insufficient speech, failed),
 * which model and prompt version produced it, the scores as numbers (null where not measured) for trends,
 * and the whole result (feedback, quoted mistakes and corrections, evidence) encrypted like the transcript.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('practice_analyses', (t) => {
    orgIdColumn(t);
    t.text('practice_call_id').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'completed', 'insufficient', 'failed']);
    t.text('model');
    t.text('prompt_version');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('error');
    t.integer('learner_words');
    t.smallint('grammar_score');
    t.smallint('vocabulary_score');
    t.smallint('fluency_score');
    t.smallint('pronunciation_score');
    t.text('cefr_band');
    t.binary('result_ciphertext');
    t.timestamp('analysed_at', { useTz: true });
    timestamps(t, knex);
    t.primary(['org_id', 'practice_call_id']);
    tenantForeignKey(t, 'practice_call_id', 'practice_calls', 'CASCADE');
  });
  await enableTenantIsolation(knex, 'practice_analyses');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('practice_analyses');
}
