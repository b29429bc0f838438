import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';

/**
 * A conversation an admin holds with their own receptionist from the console ("try it"): a real call through
 * the engine, registered by its CallSid before it starts, so the call row says it was a trial and no usage is
 * billed for it. Only our own simulator knows such a CallSid: Twilio's are random.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('trial_calls', (t) => {
    t.text('call_sid').primary();
    orgIdColumn(t);
    t.text('started_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await enableTenantIsolation(knex, 'trial_calls');
  await knex.schema.alterTable('calls', (t) => t.boolean('trial').notNullable().defaultTo(false));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => t.dropColumn('trial'));
  await knex.schema.dropTable('trial_calls');
}
