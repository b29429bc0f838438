import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';

/**
 * What signing in needs beyond the accounts table: server-side sessions (so sign-out really revokes a
 * cookie), linked single-sign-on identities, invitations, lockout counters and rate-limit windows.
 * Sessions, identities and rate limits are not tenant data: only the owner role (the auth layer) reads them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('failed_sign_ins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
  });

  await knex.schema.createTable('sessions', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // The organization this session acts in; switching organization starts a new session.
    t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('method').notNullable().checkIn(['password', 'google', 'microsoft', 'invitation']);
    t.specificType('ip', 'inet');
    t.text('user_agent').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Absolute end of the session, whatever its cookie's own (shorter, rotated) expiry says.
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.raw('create index sessions_user on sessions (user_id) where revoked_at is null');
  // No grant and no policy for the application role: a tenant can never read anyone's sessions.
  await knex.raw('alter table sessions enable row level security');

  await knex.schema.createTable('user_identities', (t) => {
    t.text('provider').notNullable().checkIn(['google', 'microsoft']);
    // The provider's stable subject (for Microsoft, tid:oid); the email can change, this cannot.
    t.text('subject').notNullable();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_sign_in_at', { useTz: true });
    t.primary(['provider', 'subject']);
  });

  await knex.schema.createTable('invitations', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('email').notNullable();
    t.text('role').notNullable().checkIn(['owner', 'admin', 'member']);
    t.text('invited_by_user_id').references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('accepted_at', { useTz: true });
    t.text('accepted_by_user_id').references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('revoked_at', { useTz: true });
    t.unique(['org_id', 'id']);
  });
  await enableTenantIsolation(knex, 'invitations');

  // Fixed-window counters shared by every API replica; keys are hashes, never raw IPs or emails.
  await knex.schema.createTable('rate_limit_hits', (t) => {
    t.text('key').primary();
    t.integer('hits').notNullable();
    t.timestamp('reset_at', { useTz: true }).notNullable();
  });

  // A failed sign-in for an email nobody has belongs to no organization; the operator still sees it.
  await knex.raw('alter table audit_log alter column org_id drop not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex('audit_log').whereNull('org_id').delete();
  await knex.raw('alter table audit_log alter column org_id set not null');
  for (const table of ['rate_limit_hits', 'invitations', 'user_identities', 'sessions']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('locked_until');
    t.dropColumn('failed_sign_ins');
  });
}
