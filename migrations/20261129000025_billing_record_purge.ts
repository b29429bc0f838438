import type { Knex } from 'knex';

/**
 * Billing records leave when their time is up: the retention sweep counts what it purged, and a learner's
 * or organization's balance keeps its total through a `carried_forward` entry in place of the purged rows.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['retention_sweep_orgs', 'retention_runs']) {
    await knex.schema.alterTable(table, (t) => {
      t.bigInteger('billing_records_deleted').notNullable().defaultTo(0);
    });
  }
  await knex.raw('alter table balance_ledger drop constraint balance_ledger_kind_check');
  await knex.raw("alter table balance_ledger add constraint balance_ledger_kind_check check (kind in ('top_up', 'call_debit', 'refund', 'adjustment', 'carried_forward'))");
  await knex.raw('create index balance_ledger_created on balance_ledger (org_id, created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists balance_ledger_created');
  await knex('balance_ledger').where({ kind: 'carried_forward' }).update({ kind: 'adjustment' });
  await knex.raw('alter table balance_ledger drop constraint balance_ledger_kind_check');
  await knex.raw("alter table balance_ledger add constraint balance_ledger_kind_check check (kind in ('top_up', 'call_debit', 'refund', 'adjustment'))");
  for (const table of ['retention_sweep_orgs', 'retention_runs']) await knex.schema.alterTable(table, (t) => t.dropColumn('billing_records_deleted'));
}
