import type { Knex } from 'knex';
import { enableTenantIsolation, timestamps } from '../src/platform/db/schemaHelpers';
import { APP_ROLE, TENANT_SETTING } from '../src/platform/db/tenancy';

/**
 * Notifications: each one a row (the outbox) written by whatever causes it and sent by its own workflow;
 * people's preferences per kind and channel; the organization's notification addresses; and SMS opt-outs
 * (a STOP texted to one of our numbers), which the SMS channel itself honours.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    // Where messages taken on calls and operational alerts go; when no number is set, transfer_e164 is texted.
    t.specificType('notification_emails', 'text[]').notNullable().defaultTo('{}');
    t.specificType('notification_e164s', 'text[]').notNullable().defaultTo('{}');
    // The zone the weekly usage report's schedule was last set for; the relay puts right any that differ.
    t.text('usage_report_time_zone');
  });
  await knex.schema.alterTable('users', (t) => {
    t.text('phone_e164'); // for notices a person chose to receive by SMS
  });

  await knex.schema.createTable('notifications', (t) => {
    t.text('id').primary();
    // Null for platform notices sent to a person outside any one organization (policy changes).
    t.text('org_id').references('id').inTable('organizations').onDelete('CASCADE');
    t.text('user_id').references('id').inTable('users').onDelete('SET NULL');
    t.text('kind').notNullable();
    t.text('channel').notNullable().checkIn(['email', 'sms']);
    t.text('recipient').notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    // Derived from the cause (e.g. `api-key-created:<keyId>:email:<address>`): the same cause never sends twice.
    t.text('idempotency_key').notNullable().unique();
    t.boolean('mandatory').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'sending', 'sent', 'failed', 'suppressed']);
    t.text('reason');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('provider_message_id');
    // Set once its delivery workflow exists: the relay starts only rows where it is still null.
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('sent_at', { useTz: true });
    timestamps(t, knex);
  });
  await knex.raw('create index notifications_org_created on notifications (org_id, created_at desc, id desc)');
  await knex.raw(`create index notifications_recipient_sent on notifications (recipient, sent_at) where status = 'sent'`);
  await knex.raw(`create index notifications_unstarted on notifications (created_at) where workflow_started_at is null`);
  // Admins read their organization's delivery log, and a request writes its notices in the same
  // transaction as the change they announce; sending is the worker's (owner) work.
  await enableTenantIsolation(knex, 'notifications', { privileges: ['SELECT', 'INSERT'] });

  await knex.schema.createTable('notification_preferences', (t) => {
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.boolean('email').notNullable();
    t.boolean('sms').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'kind']);
  });
  // Like users: a tenant reads the preferences of its own members only (to address their notices).
  await knex.raw('alter table notification_preferences enable row level security');
  await knex.raw(`
    create policy member_of_tenant on notification_preferences for select to ${APP_ROLE} using (
      exists (select 1 from memberships m where m.user_id = notification_preferences.user_id and m.org_id = current_setting('${TENANT_SETTING}', true)))`);
  await knex.raw(`grant select on notification_preferences to ${APP_ROLE}`);

  await knex.schema.createTable('sms_opt_outs', (t) => {
    t.text('from_e164').notNullable(); // our number the STOP was sent to
    t.text('to_e164').notNullable(); // the person who sent it
    t.timestamp('opted_out_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['from_e164', 'to_e164']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sms_opt_outs');
  await knex.schema.dropTableIfExists('notification_preferences');
  await knex.schema.dropTableIfExists('notifications');
  await knex.schema.alterTable('users', (t) => t.dropColumn('phone_e164'));
  await knex.schema.alterTable('organizations', (t) => {
    t.dropColumn('notification_emails');
    t.dropColumn('notification_e164s');
    t.dropColumn('usage_report_time_zone');
  });
}
