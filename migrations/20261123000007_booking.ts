import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, tenantForeignKey } from '../src/platform/db/schemaHelpers';

/**
 * What booking needs beyond the scheduling tables: each organization's booking rules, closures (local
 * dates, so a holiday stays a whole day across daylight-saving changes), buffers inside the no-overlap
 * constraint, and a record of each text sent about an appointment so a retried send never texts twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.integer('booking_min_notice_minutes').notNullable().defaultTo(60).checkBetween([0, 60 * 24 * 30]);
    t.integer('booking_horizon_days').notNullable().defaultTo(60).checkBetween([1, 366]);
    t.integer('booking_slot_step_minutes').notNullable().defaultTo(15).checkBetween([5, 240]);
    // Seconds before the start at which reminders are texted (24 h and 2 h unless changed).
    t.specificType('reminder_offsets_seconds', 'integer[]').notNullable().defaultTo('{86400,7200}');
  });

  await knex.schema.createTable('closures', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.text('reason').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'id']);
  });
  await knex.raw('alter table closures add constraint closures_order check (ends_on >= starts_on)');
  await enableTenantIsolation(knex, 'closures');

  // The time an appointment keeps its resource busy includes the service's buffers: the no-overlap
  // constraint moves from the appointment itself to that wider range.
  await knex.schema.alterTable('appointments', (t) => {
    t.timestamp('blocks_from', { useTz: true });
    t.timestamp('blocks_until', { useTz: true });
    t.text('source').notNullable().defaultTo('api').checkIn(['call', 'api', 'sms']);
    t.text('failure_reason');
  });
  await knex.raw('update appointments set blocks_from = starts_at, blocks_until = ends_at');
  await knex.raw('alter table appointments alter column blocks_from set not null, alter column blocks_until set not null');
  await knex.raw('alter table appointments drop constraint appointments_no_overlap');
  await knex.raw(`
    alter table appointments add constraint appointments_no_overlap
      exclude using gist (org_id with =, resource_key with =, tstzrange(blocks_from, blocks_until, '[)') with &&)
      where (status in ('held', 'confirmed'))`);
  await knex.raw('create index appointments_org_customer on appointments (org_id, customer_e164, starts_at)');

  await knex.schema.createTable('appointment_texts', (t) => {
    orgIdColumn(t);
    t.text('appointment_id').notNullable();
    // e.g. confirmed, reminder:86400:<start>, rescheduled:<start>, cancelled
    t.text('kind').notNullable();
    t.text('status').notNullable().defaultTo('sending').checkIn(['sending', 'sent']);
    t.text('message_sid');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'appointment_id', 'kind']);
    tenantForeignKey(t, 'appointment_id', 'appointments');
  });
  await enableTenantIsolation(knex, 'appointment_texts');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('appointment_texts');
  await knex.raw('alter table appointments drop constraint appointments_no_overlap');
  await knex.raw(`
    alter table appointments add constraint appointments_no_overlap
      exclude using gist (org_id with =, resource_key with =, tstzrange(starts_at, ends_at, '[)') with &&)
      where (status in ('held', 'confirmed'))`);
  await knex.raw('drop index if exists appointments_org_customer');
  await knex.schema.alterTable('appointments', (t) => {
    t.dropColumns('blocks_from', 'blocks_until', 'source', 'failure_reason');
  });
  await knex.schema.dropTableIfExists('closures');
  await knex.schema.alterTable('organizations', (t) => {
    t.dropColumns('booking_min_notice_minutes', 'booking_horizon_days', 'booking_slot_step_minutes', 'reminder_offsets_seconds');
  });
}
