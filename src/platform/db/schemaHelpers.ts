import type { Knex } from 'knex';
import { APP_ROLE, TENANT_SETTING } from './tenancy';

/**
 * Helpers used by migrations so every tenant table gets the same isolation: a NOT NULL org_id referencing
 * organizations, a (org_id, id) key children reference, row-level security for the application role, and
 * grants. Kept here, not in each migration, so a new table cannot forget one of the pieces.
 */

export function orgIdColumn(t: Knex.CreateTableBuilder): void {
  t.text('org_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
}

/** `(org_id, <col>)` → `<parent>(org_id, id)`: a row can only point at a parent of its own organization. */
export function tenantForeignKey(
  t: Knex.CreateTableBuilder,
  column: string,
  parent: string,
  onDelete: 'CASCADE' | 'RESTRICT' | 'NO ACTION' = 'CASCADE',
): void {
  t.foreign(['org_id', column]).references(['org_id', 'id']).inTable(parent).onDelete(onDelete);
}

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export async function enableTenantIsolation(
  knex: Knex,
  table: string,
  { column = 'org_id', privileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as Privilege[] } = {},
): Promise<void> {
  const predicate = `${column} = current_setting('${TENANT_SETTING}', true)`;
  await knex.raw(`alter table ?? enable row level security`, [table]);
  await knex.raw(`create policy tenant_isolation on ?? to ${APP_ROLE} using (${predicate}) with check (${predicate})`, [table]);
  await knex.raw(`grant ${privileges.join(', ')} on ?? to ${APP_ROLE}`, [table]);
}

export function timestamps(t: Knex.CreateTableBuilder, knex: Knex): void {
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
}
