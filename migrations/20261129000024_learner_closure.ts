import type { Knex } from 'knex';

/** A learner who closed their account: kept restricted (no calls, no processing) until erased by the sweep. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('learners', (t) => t.timestamp('closed_at', { useTz: true }));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('learners', (t) => t.dropColumn('closed_at'));
}
