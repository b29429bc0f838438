import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';

/**
 * Restriction (GDPR art. 18) and objection (art. 21) for the receptionist side: a staff member, or a caller
 * by number, asks that their data be kept but not used (restriction), or not used for analysis, reports and
 * analytics (objection). One row per request, with who, when and why; lifting keeps the row (with who,
 * when and why it was lifted), so the history is evidence. A caller's number is never stored in plaintext:
 * it is encrypted with the organization's key, and found through a keyed blind index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('processing_limits', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('kind').notNullable().checkIn(['restriction', 'objection']);
    t.text('subject_type').notNullable().checkIn(['user', 'caller']);
    t.text('user_id').references('id').inTable('users').onDelete('CASCADE');
    t.binary('caller_ciphertext');
    t.binary('caller_index');
    t.text('reason').notNullable();
    t.text('requested_by').references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lifted_at', { useTz: true });
    t.text('lifted_by').references('id').inTable('users').onDelete('SET NULL');
    t.text('lift_reason');
  });
  await knex.raw(`alter table processing_limits add constraint processing_limits_subject check (
    (subject_type = 'user' and user_id is not null and caller_index is null and caller_ciphertext is null)
    or (subject_type = 'caller' and user_id is null and caller_index is not null and caller_ciphertext is not null))`);
  await knex.raw("alter table processing_limits add constraint processing_limits_lifted check ((lifted_at is null) = (lift_reason is null))");
  // One active limit of each kind per subject: asking again while one is on changes nothing.
  await knex.raw('create unique index processing_limits_active_user on processing_limits (org_id, kind, user_id) where lifted_at is null and user_id is not null');
  await knex.raw('create unique index processing_limits_active_caller on processing_limits (org_id, kind, caller_index) where lifted_at is null and caller_index is not null');
  await enableTenantIsolation(knex, 'processing_limits');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('processing_limits');
}
