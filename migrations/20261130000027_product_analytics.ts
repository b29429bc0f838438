import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';

/**
 * Product analytics, only with a person's consent: their choice (one row per person, none until they
 * choose), and counts of the console's pages and features they used per day, kept in our own database.
 * No URL, no id, no time finer than the day: a route's pattern ("/calls/:callId") and a count.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_consents', (t) => {
    t.text('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.boolean('granted').notNullable();
    t.timestamp('decided_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('product_analytics', (t) => {
    orgIdColumn(t);
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.date('day').notNullable();
    t.text('kind').notNullable().checkIn(['page', 'feature']);
    t.text('name').notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.primary(['org_id', 'user_id', 'day', 'kind', 'name']);
  });
  await enableTenantIsolation(knex, 'product_analytics');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('product_analytics');
  await knex.schema.dropTable('analytics_consents');
}
