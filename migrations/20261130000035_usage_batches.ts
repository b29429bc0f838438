import type { Knex } from 'knex';
import { enableTenantIsolation } from '../src/platform/db/schemaHelpers';

/**
 * Usage reaches Stripe in batches: one Billing Meter event per batch (its id is the event's identifier and
 * idempotency key), instead of one per call. A batch is one organization's calls of one hour; what it
 * sends (customer, seconds, timestamp) is fixed when it is claimed, so a retry sends the very same event.
 * A usage row points at the batch that reports it (its own organization's, by the composite key), and a
 * batch outlives nothing: it is kept, like the rows, with the billing records.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_batches', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('RESTRICT');
    t.text('customer').notNullable();
    t.timestamp('period_hour', { useTz: true }).notNullable();
    t.integer('calls').notNullable().checkPositive();
    t.bigInteger('billable_seconds').notNullable().checkPositive();
    t.timestamp('event_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('reported_at', { useTz: true });
    t.unique(['org_id', 'id']);
  });
  await knex.raw('create index usage_batches_org_created on usage_batches (org_id, created_at)');
  await enableTenantIsolation(knex, 'usage_batches');
  await knex.schema.alterTable('usage_records', (t) => {
    t.text('batch_id');
    t.foreign(['org_id', 'batch_id']).references(['org_id', 'id']).inTable('usage_batches').onDelete('RESTRICT');
    t.index(['batch_id']);
  });
  // What a reporter claims from: an organization's rows not yet in a batch, by when they happened.
  await knex.raw('create index usage_records_unbatched on usage_records (org_id, occurred_at) where batch_id is null and reported_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists usage_records_unbatched');
  await knex.schema.alterTable('usage_records', (t) => {
    t.dropForeign(['org_id', 'batch_id']);
    t.dropIndex(['batch_id']);
    t.dropColumn('batch_id');
  });
  await knex.schema.dropTable('usage_batches');
}
