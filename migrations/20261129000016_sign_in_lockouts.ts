import type { Knex } from 'knex';

/**
 * Sign-in lockout counted per email address, known or not: a locked real account and an unknown email
 * then answer alike, so lockout no longer tells an attacker which addresses have accounts. The key is a
 * hash of the normalized address, never the address. Like sessions, not tenant data: no grant to the
 * application role.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sign_in_lockouts', (t) => {
    t.text('email_key').primary();
    t.integer('failures').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table sign_in_lockouts enable row level security');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('failed_sign_ins');
    t.dropColumn('locked_until');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('failed_sign_ins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
  });
  await knex.schema.dropTable('sign_in_lockouts');
}
