import type { Knex } from 'knex';
import { enableTenantIsolation } from '../src/platform/db/schemaHelpers';

/**
 * Prepaid balances as an append-only ledger: top-ups, call debits, refunds, adjustments. The balance is
 * the sum of the rows, never a counter; each row's idempotency key (e.g. `topup:<Checkout session>`)
 * makes a repeated cause a no-op. Money in integer minor units with its currency. Kept apart from call
 * content, like the usage ledger, so it survives erasure.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('balance_ledger', (t) => {
    t.bigIncrements('id').primary();
    // Kept 7 years like billing records: deleting an organization never takes its ledger with it.
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('RESTRICT');
    t.text('kind').notNullable().checkIn(['top_up', 'call_debit', 'refund', 'adjustment']);
    t.bigInteger('amount_minor').notNullable(); // credits positive, debits negative
    t.specificType('currency', 'char(3)').notNullable();
    t.text('idempotency_key').notNullable().unique();
    t.text('stripe_object_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index balance_ledger_org on balance_ledger (org_id, id desc)');
  // Tenants read their ledger; rows come only from verified Stripe webhooks and the call path (owner).
  await enableTenantIsolation(knex, 'balance_ledger', { privileges: ['SELECT'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('balance_ledger');
}
