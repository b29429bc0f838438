import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';
import { APP_ROLE } from '../src/platform/db/tenancy';

/**
 * A learner's estimated CEFR level as it moves with evidence (the current one on the learner, every change
 * kept in its history); a learner's objection to the analysis of their calls; and a learner contesting a
 * call's scores (out of the estimate until staff review them).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('learners', (t) => {
    t.text('estimated_level'); // A1 … C2 with "+" half steps; null until enough calls
    t.float('level_confidence');
    t.integer('level_calls').notNullable().defaultTo(0);
    t.timestamp('objected_at', { useTz: true }); // objects to the analysis of their calls (GDPR art. 21)
  });
  await knex.schema.createTable('learner_level_history', (t) => {
    t.bigIncrements('id').primary();
    orgIdColumn(t);
    t.text('user_id').notNullable();
    t.text('level'); // null: no longer enough evidence
    t.float('confidence');
    t.integer('calls').notNullable();
    t.text('reason').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.foreign(['org_id', 'user_id']).references(['org_id', 'user_id']).inTable('learners').onDelete('CASCADE');
  });
  await knex.raw('create index learner_level_history_learner on learner_level_history (org_id, user_id, id)');
  await enableTenantIsolation(knex, 'learner_level_history');
  await knex.raw(`grant usage on sequence learner_level_history_id_seq to ${APP_ROLE}`);

  await knex.raw('alter table practice_analyses drop constraint practice_analyses_status_check');
  await knex.raw("alter table practice_analyses add constraint practice_analyses_status_check check (status in ('pending', 'completed', 'insufficient', 'failed', 'objected'))");
  await knex.schema.alterTable('practice_analyses', (t) => {
    t.timestamp('contested_at', { useTz: true });
    t.text('contest_reason');
    t.text('review_decision').checkIn(['scores_stand', 'scores_withdrawn']);
    t.text('reviewed_by');
    t.timestamp('reviewed_at', { useTz: true });
    t.text('review_note');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('practice_analyses', (t) => {
    for (const c of ['contested_at', 'contest_reason', 'review_decision', 'reviewed_by', 'reviewed_at', 'review_note']) t.dropColumn(c);
  });
  await knex.raw("delete from practice_analyses where status = 'objected'");
  await knex.raw('alter table practice_analyses drop constraint practice_analyses_status_check');
  await knex.raw("alter table practice_analyses add constraint practice_analyses_status_check check (status in ('pending', 'completed', 'insufficient', 'failed'))");
  await knex.schema.dropTable('learner_level_history');
  await knex.schema.alterTable('learners', (t) => {
    for (const c of ['estimated_level', 'level_confidence', 'level_calls', 'objected_at']) t.dropColumn(c);
  });
}
