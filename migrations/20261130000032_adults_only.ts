import type { Knex } from 'knex';

/**
 * Adults only: each organization's minimum age (18, or higher if it chooses), and on each person the age
 * they confirmed being at least, and when. People from before this have neither and confirm when they join
 * an organization that asks more than they confirmed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.smallint('minimum_age').notNullable().defaultTo(18);
  });
  await knex.raw('alter table organizations add constraint organizations_minimum_age check (minimum_age between 18 and 25)');
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('age_confirmed_at', { useTz: true });
    t.smallint('age_confirmed_minimum');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumns('age_confirmed_at', 'age_confirmed_minimum'));
  await knex.schema.alterTable('organizations', (t) => t.dropColumn('minimum_age'));
}
