import type { Knex } from 'knex';

/**
 * Callers' phone numbers encrypted at rest (src/platform/crypto/phoneNumbers.ts): beside each number column,
 * `<col>_ciphertext` (encrypted with the organization's data key) and `<col>_index` (a keyed blind index, for
 * lookups by number), indexed with org_id first like every tenant index. The plaintext columns become nullable:
 * new rows leave them NULL, and the backfill run at worker start (src/privacy/phoneNumberBackfill.ts) encrypts
 * and clears the rows written before. A later release, once every deployment has run the backfill, drops the
 * plaintext columns (with the indexes on them: appointments_org_customer and the three `*_in_plaintext`).
 * Row-level security and grants are per table: the new columns are covered as they are.
 */
const COLUMNS: Array<[table: string, column: string]> = [
  ['calls', 'from_e164'],
  ['calls', 'to_e164'],
  ['messages', 'callback_e164'],
  ['appointments', 'customer_e164'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await knex.schema.alterTable(table, (t) => {
      t.binary(`${column}_ciphertext`);
      t.binary(`${column}_index`);
    });
  }
  // The lookups: incoming caller's history (either direction), a caller's export and erasure, their next appointment.
  await knex.raw('create index calls_org_from_index on calls (org_id, from_e164_index)');
  await knex.raw('create index calls_org_to_index on calls (org_id, to_e164_index)');
  await knex.raw('create index messages_org_callback_index on messages (org_id, callback_e164_index)');
  await knex.raw('create index appointments_org_customer_index on appointments (org_id, customer_e164_index, starts_at)');
  // The rows the backfill still has to encrypt: after it, empty, so a worker's start finds nothing to do at once.
  await knex.raw('create index calls_numbers_in_plaintext on calls (org_id) where from_e164 is not null or to_e164 is not null');
  await knex.raw('create index messages_number_in_plaintext on messages (org_id) where callback_e164 is not null');
  await knex.raw('create index appointments_number_in_plaintext on appointments (org_id) where customer_e164 is not null');
  // A call still always has both numbers, in one form or the other.
  await knex.raw('alter table calls alter column from_e164 drop not null, alter column to_e164 drop not null');
  await knex.raw(
    `alter table calls
       add constraint calls_from_present check (from_e164 is not null or from_e164_ciphertext is not null),
       add constraint calls_to_present check (to_e164 is not null or to_e164_ciphertext is not null)`,
  );
}

export async function down(knex: Knex): Promise<void> {
  // Only the keys can turn ciphertext back into plaintext: going down with encrypted rows would lose numbers.
  for (const [table, column] of COLUMNS) {
    if (await knex(table).whereNotNull(`${column}_ciphertext`).first()) throw new Error(`${table}.${column} holds encrypted numbers: they cannot be put back in plaintext by a migration`);
  }
  await knex.raw('drop index calls_numbers_in_plaintext, messages_number_in_plaintext, appointments_number_in_plaintext');
  await knex.raw('alter table calls drop constraint calls_from_present, drop constraint calls_to_present');
  await knex.raw('alter table calls alter column from_e164 set not null, alter column to_e164 set not null');
  for (const [table, column] of COLUMNS) {
    await knex.schema.alterTable(table, (t) => t.dropColumns(`${column}_ciphertext`, `${column}_index`));
  }
}
