import type { Knex } from 'knex';

/**
 * HIPAA mode only under a Business Associate Agreement: which version of it an owner of the organization
 * accepted, who and when. Switching HIPAA mode on needs the current version accepted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.text('baa_version');
    t.timestamp('baa_accepted_at', { useTz: true });
    t.text('baa_accepted_by');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => t.dropColumns('baa_version', 'baa_accepted_at', 'baa_accepted_by'));
}
