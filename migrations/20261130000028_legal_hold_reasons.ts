import type { Knex } from 'knex';

/**
 * A legal hold says why and since when, on the organization or on one call: placed and lifted through the
 * API (audited with the reason), and shown to the organization's admins.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['organizations', 'calls']) {
    await knex.schema.alterTable(table, (t) => {
      t.text('legal_hold_reason');
      t.timestamp('legal_hold_since', { useTz: true });
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['organizations', 'calls']) await knex.schema.alterTable(table, (t) => t.dropColumns('legal_hold_reason', 'legal_hold_since'));
}
