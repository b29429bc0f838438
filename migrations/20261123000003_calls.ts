import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, tenantForeignKey, timestamps } from '../src/platform/db/schemaHelpers';

const CALL_OUTCOMES = ['booked', 'rescheduled', 'cancelled', 'message_taken', 'transferred', 'info_only', 'abandoned', 'failed'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calls', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('call_sid').notNullable().unique();
    t.text('direction').notNullable().checkIn(['inbound', 'outbound']);
    t.text('phone_number_id');
    t.text('from_e164').notNullable();
    t.text('to_e164').notNullable();
    t.text('status').notNullable().defaultTo('in_progress').checkIn(['in_progress', 'completed', 'failed']);
    t.text('outcome').checkIn(CALL_OUTCOMES);
    t.specificType('intents', 'text[]').notNullable().defaultTo('{}');
    // Personal data is stored encrypted with the organization's data key.
    t.binary('entities_ciphertext');
    t.binary('summary_ciphertext');
    t.boolean('recording_enabled').notNullable().defaultTo(false);
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.integer('duration_seconds');
    t.integer('billable_seconds');
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
    tenantForeignKey(t, 'phone_number_id', 'phone_numbers', 'NO ACTION');
  });
  await knex.raw('create index calls_org_started on calls (org_id, started_at desc, id desc)');
  await enableTenantIsolation(knex, 'calls');

  await knex.schema.createTable('transcript_turns', (t) => {
    orgIdColumn(t);
    t.text('call_id').notNullable();
    t.integer('seq').notNullable();
    t.text('role').notNullable().checkIn(['caller', 'agent', 'tool', 'system']);
    t.binary('text_ciphertext').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'call_id', 'seq']);
    tenantForeignKey(t, 'call_id', 'calls');
  });
  await enableTenantIsolation(knex, 'transcript_turns');

  await knex.schema.createTable('recordings', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('call_id').notNullable();
    t.text('recording_sid').notNullable().unique();
    t.text('status').notNullable();
    t.integer('duration_seconds');
    t.text('media_url');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
    t.unique(['org_id', 'id']);
    tenantForeignKey(t, 'call_id', 'calls');
  });
  await enableTenantIsolation(knex, 'recordings');

  await knex.schema.createTable('messages', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('call_id');
    t.binary('caller_name_ciphertext');
    t.text('callback_e164');
    t.binary('body_ciphertext').notNullable();
    t.text('status').notNullable().defaultTo('new').checkIn(['new', 'notified', 'read']);
    t.timestamp('notified_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'id']);
    tenantForeignKey(t, 'call_id', 'calls');
  });
  await knex.raw('create index messages_org_created on messages (org_id, created_at desc, id desc)');
  await enableTenantIsolation(knex, 'messages');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['messages', 'recordings', 'transcript_turns', 'calls']) {
    await knex.schema.dropTableIfExists(table);
  }
}
