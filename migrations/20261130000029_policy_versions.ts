import type { Knex } from 'knex';

/**
 * The policy changes announced (`npm run notify:policy`), recorded by the notice's first batch, and who has
 * seen each: the console shows a banner to a person who joined before a change and has not yet seen it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_versions', (t) => {
    t.text('id').primary();
    t.text('title').notNullable();
    t.text('url').notNullable();
    t.text('summary').notNullable();
    t.timestamp('effective_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('policy_acknowledgements', (t) => {
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('policy_id').notNullable().references('id').inTable('policy_versions').onDelete('CASCADE');
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'policy_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('policy_acknowledgements');
  await knex.schema.dropTable('policy_versions');
}
