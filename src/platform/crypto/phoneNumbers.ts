import type { Knex } from 'knex';
import { APPOINTMENT_PHONE_CONTEXT, CALL_FROM_CONTEXT, CALL_TO_CONTEXT, MESSAGE_CALLBACK_CONTEXT, PHONE_INDEX_CONTEXT } from './fieldContexts';
import type { FieldCipher } from './fieldEncryption';

/**
 * Callers' phone numbers at rest. A number column `<col>` is stored as `<col>_ciphertext` (encrypted with the
 * organization's data key, the column as context) and `<col>_index` (its blind index, which lookups by number
 * compare); the plaintext `<col>` is written NULL. Rows written before migration 034 keep their plaintext until
 * the backfill (src/privacy/phoneNumberBackfill.ts) reaches them, so reads and lookups still accept it: those
 * two fallbacks go when a later release drops the plaintext columns.
 */

/** Every encrypted number column, named by its encryption context `<table>.<column>`. */
export const PHONE_COLUMNS = [CALL_FROM_CONTEXT, CALL_TO_CONTEXT, MESSAGE_CALLBACK_CONTEXT, APPOINTMENT_PHONE_CONTEXT] as const;
export type PhoneColumn = (typeof PHONE_COLUMNS)[number];

export const columnOf = (context: PhoneColumn) => context.slice(context.indexOf('.') + 1);

/** The values to write for a number (null: none): its ciphertext and index, the plaintext column cleared. */
export async function sealPhone(fields: FieldCipher, orgId: string, context: PhoneColumn, e164: string | null): Promise<Record<string, Buffer | null>> {
  const column = columnOf(context);
  const [ciphertext, index] = e164 === null ? [null, null] : await Promise.all([fields.encrypt(orgId, context, e164), phoneIndex(fields, orgId, e164)]);
  return { [column]: null, [`${column}_ciphertext`]: ciphertext, [`${column}_index`]: index };
}

/** The number a row holds in the column, decrypted (or its plaintext, in a row the backfill has not reached). */
export async function openPhone(fields: FieldCipher, orgId: string, context: PhoneColumn, row: object): Promise<string | null> {
  const column = columnOf(context);
  const values = row as Record<string, unknown>;
  const sealed = values[`${column}_ciphertext`] as Buffer | null | undefined;
  return sealed ? fields.decrypt(orgId, context, sealed) : ((values[column] as string | null | undefined) ?? null);
}

/** A number's blind index: the same in every number column of the organization (see PHONE_INDEX_CONTEXT). */
export function phoneIndex(fields: FieldCipher, orgId: string, e164: string): Promise<Buffer> {
  return fields.blindIndex(orgId, PHONE_INDEX_CONTEXT, e164);
}

/** What finds the rows of one number: its blind index, and the number itself for rows still in plaintext. */
export interface PhoneMatch {
  e164: string;
  index: Buffer;
}

export async function phoneMatch(fields: FieldCipher, orgId: string, e164: string): Promise<PhoneMatch> {
  return { e164, index: await phoneIndex(fields, orgId, e164) };
}

/** A where-group for `q.where(…)`: rows whose number in any of `columns` (e.g. `from_e164`, `a.customer_e164`) is the match's. */
export function phoneIn(match: PhoneMatch, ...columns: string[]) {
  return (w: Knex.QueryBuilder) => {
    for (const column of columns) w.orWhere(`${column}_index`, match.index).orWhere(column, match.e164);
  };
}
