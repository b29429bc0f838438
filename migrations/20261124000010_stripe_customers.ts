import type { Knex } from 'knex';

/** Each organization's Stripe customer, created once (idempotently) the first time its usage is billed. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.text('stripe_customer_id').unique();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => t.dropColumn('stripe_customer_id'));
}
