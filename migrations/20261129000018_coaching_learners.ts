import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn, timestamps } from '../src/platform/db/schemaHelpers';

/**
 * The coaching product's people: a learner is a member of a coaching organization with the `learner` role
 * (below `member`, so no staff endpoint admits them) and a profile: the phone the coach calls, their time
 * zone, native language, goals and the level they believe they have. Consent to be called is kept as
 * evidence, one row per grant: who, which number, the exact text shown, how, when, from where; withdrawn
 * rows keep when and how (API, on a call, by text).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table memberships drop constraint memberships_role_check');
  await knex.raw("alter table memberships add constraint memberships_role_check check (role in ('owner', 'admin', 'member', 'learner'))");

  await knex.schema.createTable('learners', (t) => {
    orgIdColumn(t);
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('phone_e164').notNullable();
    t.text('time_zone').notNullable();
    t.text('native_language').notNullable();
    t.text('goals').notNullable().defaultTo('');
    t.text('self_level').checkIn(['A1', 'A2', 'B1', 'B2', 'C1', 'C2']);
    timestamps(t, knex);
    t.primary(['org_id', 'user_id']);
  });
  await enableTenantIsolation(knex, 'learners');

  await knex.schema.createTable('coach_consents', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('user_id').notNullable();
    t.text('phone_e164').notNullable();
    t.text('text').notNullable();
    t.text('text_version').notNullable();
    t.text('method').notNullable().checkIn(['web', 'api']);
    t.specificType('ip', 'inet');
    t.timestamp('granted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('withdrawn_at', { useTz: true });
    t.text('withdrawn_via').checkIn(['api', 'call', 'sms', 'staff', 'number_changed']);
  });
  await knex.raw('create index coach_consents_current on coach_consents (org_id, user_id) where withdrawn_at is null');
  // Evidence: the application role may add grants and mark them withdrawn, never rewrite or delete them.
  await enableTenantIsolation(knex, 'coach_consents', { privileges: ['SELECT', 'INSERT', 'UPDATE'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('coach_consents');
  await knex.schema.dropTable('learners');
  await knex.raw("delete from memberships where role = 'learner'");
  await knex.raw('alter table memberships drop constraint memberships_role_check');
  await knex.raw("alter table memberships add constraint memberships_role_check check (role in ('owner', 'admin', 'member'))");
}
