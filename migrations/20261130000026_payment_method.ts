import type { Knex } from 'knex';

/**
 * The card (or other method) a subscriber gave through Stripe Checkout in setup mode: Stripe's id, and how
 * the console names it ("Visa •••• 4242, expires 8/2030"), so showing it needs no call to Stripe.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.text('stripe_payment_method_id');
    t.text('payment_method_label');
    t.timestamp('payment_method_updated_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => t.dropColumns('stripe_payment_method_id', 'payment_method_label', 'payment_method_updated_at'));
}
