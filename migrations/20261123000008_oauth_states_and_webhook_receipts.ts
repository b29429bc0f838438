import type { Knex } from 'knex';

/**
 * Two platform tables, read and written only by the owner role (no grant to the application role):
 * the pending calendar OAuth attempts, so a consent callback's state works once, and the webhooks
 * already handled, so a repeated delivery (Twilio retrying a text, later Stripe resending an event)
 * changes nothing twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_states', (t) => {
    t.text('nonce').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  // Like every table with an org_id, under row-level security; with no policy or grant, only the owner sees it.
  await knex.raw('alter table oauth_states enable row level security');

  await knex.schema.createTable('webhook_receipts', (t) => {
    t.text('source').notNullable();
    t.text('id').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_receipts');
  await knex.schema.dropTableIfExists('oauth_states');
}
