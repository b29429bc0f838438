import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';
import { APP_ROLE } from '../src/platform/db/tenancy';

export async function up(knex: Knex): Promise<void> {
  // The usage ledger: one row per billable call, keyed by a deterministic id (usage:<CallSid>) so a
  // retried activity or a repeated status callback can never record or charge the same call twice.
  // It keeps what billing needs on its own (no foreign key to calls, which retention deletes).
  await knex.schema.createTable('usage_records', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('idempotency_key').notNullable().unique();
    t.text('call_sid').notNullable();
    t.integer('billable_seconds').notNullable().checkPositive();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('reported_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'id']);
  });
  await knex.raw('create index usage_records_org_occurred on usage_records (org_id, occurred_at)');
  await enableTenantIsolation(knex, 'usage_records');

  // Billing records are kept for 7 years, past retention and past account deletion.
  await knex.schema.createTable('billing_records', (t) => {
    t.text('id').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('RESTRICT');
    t.timestamp('period_start', { useTz: true }).notNullable();
    t.timestamp('period_end', { useTz: true }).notNullable();
    t.integer('minutes').notNullable().defaultTo(0);
    t.bigInteger('amount_minor').notNullable().defaultTo(0);
    t.specificType('currency', 'char(3)').notNullable();
    t.text('stripe_invoice_id');
    t.text('status').notNullable().checkIn(['open', 'paid', 'past_due', 'void', 'uncollectible']);
    t.date('retain_until').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'id']);
    t.unique(['org_id', 'period_start']);
  });
  await enableTenantIsolation(knex, 'billing_records', { privileges: ['SELECT'] });

  // Append-only for the application role: it may insert and read, never update or delete.
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('RESTRICT');
    t.text('actor_type').notNullable().checkIn(['user', 'api_key', 'system', 'webhook']);
    t.text('actor_id');
    t.text('action').notNullable();
    t.text('target_type');
    t.text('target_id');
    t.specificType('ip', 'inet');
    t.text('request_id');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index audit_log_org_created on audit_log (org_id, created_at desc, id desc)');
  await enableTenantIsolation(knex, 'audit_log', { privileges: ['SELECT', 'INSERT'] });
  await knex.raw(`grant usage on sequence audit_log_id_seq to ${APP_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_log', 'billing_records', 'usage_records']) {
    await knex.schema.dropTableIfExists(table);
  }
}
