import type { Knex } from 'knex';

/** Workflow payloads encrypted with the organization's data key: always in HIPAA mode, by choice otherwise. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.boolean('encrypt_workflow_payloads').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => t.dropColumn('encrypt_workflow_payloads'));
}
