import type { Knex } from 'knex';
import { enableTenantIsolation } from '../src/platform/db/schemaHelpers';

/**
 * The retention sweep:
 * - its cost must follow the number of expired rows, not the table's size, so every table a call's
 *   deletion touches is reached by (org_id, call_id) through an index (cascades and the appointments'
 *   foreign-key check would otherwise scan);
 * - each run leaves a summary row, and a row per organization counted in the same transaction as each
 *   batch it deleted, so the counts stay exact when a crashed sweep resumes (the run's row is the
 *   operators'; each organization's own counts also go to its audit log).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index messages_org_call on messages (org_id, call_id)');
  await knex.raw('create index recordings_org_call on recordings (org_id, call_id)');
  await knex.raw('create index appointments_org_call on appointments (org_id, call_id) where call_id is not null');
  await knex.schema.createTable('retention_runs', (t) => {
    t.text('id').primary(); // the sweep's workflow id and first run id
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('organizations').notNullable();
    t.integer('held_organizations').notNullable();
    t.bigInteger('calls_deleted').notNullable();
    t.bigInteger('messages_deleted').notNullable();
    t.bigInteger('recordings_deleted').notNullable();
    t.bigInteger('held_calls').notNullable();
  });
  await knex.schema.createTable('retention_sweep_orgs', (t) => {
    t.text('sweep_id').notNullable();
    t.text('org_id').notNullable(); // no foreign key: an organization erased later keeps its sweep history
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.bigInteger('calls_deleted').notNullable().defaultTo(0);
    t.bigInteger('messages_deleted').notNullable().defaultTo(0);
    t.bigInteger('recordings_deleted').notNullable().defaultTo(0);
    t.bigInteger('held_calls').notNullable().defaultTo(0);
    t.timestamp('finished_at', { useTz: true });
    t.primary(['sweep_id', 'org_id']);
  });
  // Like every table with an org_id: an organization may read its own rows, and only those.
  await enableTenantIsolation(knex, 'retention_sweep_orgs', { privileges: ['SELECT'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('retention_sweep_orgs');
  await knex.schema.dropTableIfExists('retention_runs');
  for (const index of ['messages_org_call', 'recordings_org_call', 'appointments_org_call']) await knex.raw(`drop index if exists ${index}`);
}
