import type { Knex } from 'knex';

/**
 * The billing cycle (`billing:<orgId>`):
 * - organizations carry their billing status (what the call path and the API read; the workflow decides
 *   it), their Stripe subscription, and when their billing workflow was started (the relay starts the
 *   missing ones);
 * - a billing record says how its figures were made: the plan, the seconds, what the base fee and the
 *   usage cost, how many calls were billed only at the period's reconciliation;
 * - the usage ledger is what billing records are made from, so like them (and the balance ledger) it is
 *   kept when the organization is deleted (it held CASCADE), and periods read it by when rows were written;
 * - a top-up remembers the payment it came from, so a refund of that payment comes off the balance.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.text('billing_status').notNullable().defaultTo('active').checkIn(['active', 'past_due', 'suspended', 'cancelled']);
    t.text('stripe_subscription_id');
    t.timestamp('billing_started_at', { useTz: true });
  });
  await knex.schema.alterTable('billing_records', (t) => {
    t.text('plan').notNullable().defaultTo('subscription').checkIn(['subscription', 'prepaid']);
    t.integer('calls').notNullable().defaultTo(0);
    t.bigInteger('billable_seconds').notNullable().defaultTo(0);
    t.integer('included_minutes').notNullable().defaultTo(0);
    t.bigInteger('base_amount_minor').notNullable().defaultTo(0);
    t.bigInteger('usage_amount_minor').notNullable().defaultTo(0);
    t.integer('reconciled_calls').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('usage_records', (t) => {
    t.dropForeign(['org_id']);
    t.foreign('org_id').references('id').inTable('organizations').onDelete('RESTRICT');
  });
  await knex.raw('create index usage_records_org_created on usage_records (org_id, created_at)');
  await knex.schema.alterTable('balance_ledger', (t) => {
    t.text('stripe_payment_intent').index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('balance_ledger', (t) => t.dropColumn('stripe_payment_intent'));
  await knex.raw('drop index if exists usage_records_org_created');
  await knex.schema.alterTable('usage_records', (t) => {
    t.dropForeign(['org_id']);
    t.foreign('org_id').references('id').inTable('organizations').onDelete('CASCADE');
  });
  await knex.schema.alterTable('billing_records', (t) => {
    for (const column of ['plan', 'calls', 'billable_seconds', 'included_minutes', 'base_amount_minor', 'usage_amount_minor', 'reconciled_calls']) t.dropColumn(column);
  });
  await knex.schema.alterTable('organizations', (t) => {
    for (const column of ['billing_status', 'stripe_subscription_id', 'billing_started_at']) t.dropColumn(column);
  });
}
