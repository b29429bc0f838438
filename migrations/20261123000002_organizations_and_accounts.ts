import type { Knex } from 'knex';
import { APP_ROLE } from '../src/platform/db/tenancy';
import { enableTenantIsolation, orgIdColumn, timestamps } from '../src/platform/db/schemaHelpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organizations', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('product').notNullable().defaultTo('receptionist').checkIn(['receptionist', 'coach']);
    t.text('time_zone').notNullable();
    // { mon: [{ open: "08:00", close: "17:00" }], ... } in the organization's time zone
    t.jsonb('business_hours').notNullable().defaultTo('{}');
    t.jsonb('faq').notNullable().defaultTo('[]');
    t.text('agent_instructions').notNullable().defaultTo('');
    t.text('greeting').notNullable().defaultTo('');
    t.text('transfer_e164');
    // Recording is off until an organization opts in; when on, every call hears the announcement.
    t.boolean('recording_enabled').notNullable().defaultTo(false);
    t.text('recording_announcement').notNullable().defaultTo('This call may be recorded for quality and training purposes.');
    t.integer('retention_days').notNullable().defaultTo(90).checkBetween([1, 3650]);
    t.integer('recording_retention_days').notNullable().defaultTo(30).checkBetween([1, 3650]);
    t.boolean('hipaa_mode').notNullable().defaultTo(false);
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.text('billing_mode').notNullable().defaultTo('subscription').checkIn(['subscription', 'prepaid']);
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'deletion_pending', 'deleted']);
    timestamps(t, knex);
  });
  await enableTenantIsolation(knex, 'organizations', { column: 'id', privileges: ['SELECT', 'UPDATE'] });

  // Envelope encryption: each version of an organization's data key, wrapped by a master key.
  // Destroying an organization's keys (wrapped_key set to null) makes all its ciphertext unreadable.
  await knex.schema.createTable('org_data_keys', (t) => {
    orgIdColumn(t);
    t.integer('version').notNullable();
    t.binary('wrapped_key');
    t.text('master_key_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('rewrapped_at', { useTz: true });
    t.timestamp('destroyed_at', { useTz: true });
    t.primary(['org_id', 'version']);
  });
  await enableTenantIsolation(knex, 'org_data_keys', { privileges: ['SELECT'] });

  // Users are people, not tenant data: one person may belong to several organizations.
  await knex.schema.createTable('users', (t) => {
    t.text('id').primary();
    t.text('email').notNullable();
    t.text('name').notNullable().defaultTo('');
    t.text('password_hash');
    t.timestamp('email_verified_at', { useTz: true });
    // Bumped on sign-out-everywhere and password change: sessions carrying an older version stop working.
    t.integer('token_version').notNullable().defaultTo(0);
    timestamps(t, knex);
  });
  await knex.raw('create unique index users_email_unique on users (lower(email))');
  await knex.schema.createTable('memberships', (t) => {
    orgIdColumn(t);
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('role').notNullable().checkIn(['owner', 'admin', 'member']);
    timestamps(t, knex);
    t.primary(['org_id', 'user_id']);
  });
  await knex.raw('create index memberships_user on memberships (user_id)');
  await enableTenantIsolation(knex, 'memberships');

  // The application role sees only users who are members of the current organization.
  await knex.raw('alter table users enable row level security');
  await knex.raw(`
    create policy member_of_tenant on users for select to ${APP_ROLE} using (
      exists (select 1 from memberships m where m.user_id = users.id and m.org_id = current_setting('app.org_id', true)))`);
  await knex.raw(`grant select on users to ${APP_ROLE}`);

  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('name').notNullable();
    // The visible part of the key ("cg_live_ab12cd34"); the secret is stored only as a hash.
    t.text('prefix').notNullable().unique();
    t.text('key_hash').notNullable();
    t.text('created_by_user_id').references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.unique(['org_id', 'id']);
  });
  await enableTenantIsolation(knex, 'api_keys');

  await knex.schema.createTable('phone_numbers', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    // A number belongs to exactly one organization: unique across all of them.
    t.text('e164').notNullable().unique();
    t.text('label').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'id']);
  });
  await knex.raw(`alter table phone_numbers add constraint phone_numbers_e164_format check (e164 ~ '^\\+[1-9][0-9]{6,14}$')`);
  await enableTenantIsolation(knex, 'phone_numbers');
  await knex.raw(`alter table organizations add constraint organizations_transfer_e164_format check (transfer_e164 ~ '^\\+[1-9][0-9]{6,14}$')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop policy if exists member_of_tenant on users');
  for (const table of ['phone_numbers', 'api_keys', 'memberships', 'users', 'org_data_keys', 'organizations']) {
    await knex.schema.dropTableIfExists(table);
  }
}
