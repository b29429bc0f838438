import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, tenantForeignKey, timestamps } from '../src/platform/db/schemaHelpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('services', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('name').notNullable();
    t.integer('duration_minutes').notNullable().checkBetween([5, 24 * 60]);
    t.integer('buffer_before_minutes').notNullable().defaultTo(0).checkBetween([0, 240]);
    t.integer('buffer_after_minutes').notNullable().defaultTo(0).checkBetween([0, 240]);
    t.text('price_note').notNullable().defaultTo('');
    t.boolean('active').notNullable().defaultTo(true);
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
    t.unique(['org_id', 'name']);
  });
  await enableTenantIsolation(knex, 'services');

  await knex.schema.createTable('calendar_connections', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('provider').notNullable().checkIn(['google', 'microsoft']);
    t.text('external_account').notNullable();
    t.text('calendar_id').notNullable();
    // OAuth tokens, encrypted with the organization's data key.
    t.binary('access_token_ciphertext');
    t.binary('refresh_token_ciphertext');
    t.timestamp('token_expires_at', { useTz: true });
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'broken', 'revoked']);
    t.text('last_error');
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
  });
  await enableTenantIsolation(knex, 'calendar_connections');

  await knex.schema.createTable('appointments', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('service_id').notNullable();
    t.text('calendar_connection_id');
    t.text('call_id');
    // What cannot be double-booked: one chair, room or practitioner. 'default' for a single-resource business.
    t.text('resource_key').notNullable().defaultTo('default');
    t.binary('customer_name_ciphertext');
    t.text('customer_e164');
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('ends_at', { useTz: true }).notNullable();
    t.text('status').notNullable().defaultTo('held').checkIn(['held', 'confirmed', 'cancelled', 'completed', 'failed']);
    t.text('external_event_id');
    timestamps(t, knex);
    t.unique(['org_id', 'id']);
    tenantForeignKey(t, 'service_id', 'services', 'RESTRICT');
    tenantForeignKey(t, 'calendar_connection_id', 'calendar_connections', 'NO ACTION');
    tenantForeignKey(t, 'call_id', 'calls', 'NO ACTION');
  });
  await knex.raw('alter table appointments add constraint appointments_time_order check (ends_at > starts_at)');
  // No double booking, even under concurrent calls: live appointments of one resource never overlap.
  await knex.raw(`
    alter table appointments add constraint appointments_no_overlap
      exclude using gist (org_id with =, resource_key with =, tstzrange(starts_at, ends_at, '[)') with &&)
      where (status in ('held', 'confirmed'))`);
  await knex.raw('create index appointments_org_starts on appointments (org_id, starts_at, id)');
  await enableTenantIsolation(knex, 'appointments');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['appointments', 'calendar_connections', 'services']) {
    await knex.schema.dropTableIfExists(table);
  }
}
