import type { Knex } from 'knex';
import { enableTenantIsolation, orgIdColumn } from '../src/platform/db/schemaHelpers';

/**
 * Data-subject requests, each run by a workflow: an export (the whole organization, one user's own data,
 * or everything about one caller's number) and a caller's erasure.
 * - The archive is stored encrypted with the organization's data key and served once through a link whose
 *   token is kept only as a hash; it is dropped when downloaded or expired.
 * - A caller's number is needed while the request runs; once an erasure is done only its hash stays.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_requests', (t) => {
    t.text('id').primary();
    orgIdColumn(t);
    t.text('kind').notNullable().checkIn(['export', 'erasure']);
    t.text('scope').notNullable().checkIn(['organization', 'user', 'caller']);
    t.text('subject'); // the user's id, or the caller's E.164 number
    t.text('subject_hash');
    t.text('requested_by');
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'ready', 'downloaded', 'expired', 'completed', 'failed']);
    t.jsonb('result').notNullable().defaultTo('{}');
    t.binary('archive_ciphertext');
    t.integer('archive_bytes');
    t.text('token_hash').unique();
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('downloaded_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'id']);
  });
  await knex.raw('create index data_requests_org_created on data_requests (org_id, created_at desc, id desc)');
  await enableTenantIsolation(knex, 'data_requests', { privileges: ['SELECT'] });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('data_requests');
}
