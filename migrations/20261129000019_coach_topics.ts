import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, timestamps } from '../src/platform/db/schemaHelpers';

/**
 * A coaching organization's topic catalogue: what a practice conversation is about, for which levels, with
 * the prompts the coach can use and the words it weaves in. Archived topics stay for the calls that used them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coach_topics', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('title').notNullable();
    t.text('min_level').notNullable().checkIn(['A1', 'A2', 'B1', 'B2', 'C1', 'C2']);
    t.text('max_level').notNullable().checkIn(['A1', 'A2', 'B1', 'B2', 'C1', 'C2']);
    t.jsonb('prompts').notNullable().defaultTo('[]');
    t.jsonb('target_words').notNullable().defaultTo('[]');
    t.timestamp('archived_at', { useTz: true });
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
  });
  await knex.raw("alter table coach_topics add constraint coach_topics_level_range check (array_position(array['A1','A2','B1','B2','C1','C2'], min_level) <= array_position(array['A1','A2','B1','B2','C1','C2'], max_level))");
  await enableTenantIsolation(knex, 'coach_topics');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('coach_topics');
}
