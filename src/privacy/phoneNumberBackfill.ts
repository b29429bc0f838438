import type { Knex } from 'knex';
import { APPOINTMENT_PHONE_CONTEXT, CALL_FROM_CONTEXT, CALL_TO_CONTEXT, MESSAGE_CALLBACK_CONTEXT } from '../platform/crypto/fieldContexts';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import { columnOf, sealPhone, type PhoneColumn } from '../platform/crypto/phoneNumbers';
import type { Db } from '../platform/db/knex';
import type { Logger } from '../platform/logger';

const TABLES: ReadonlyArray<[table: string, columns: readonly PhoneColumn[]]> = [
  ['calls', [CALL_FROM_CONTEXT, CALL_TO_CONTEXT]],
  ['messages', [MESSAGE_CALLBACK_CONTEXT]],
  ['appointments', [APPOINTMENT_PHONE_CONTEXT]],
];

/**
 * Encrypts the phone numbers of rows written before migration 034 and clears their plaintext, one
 * organization's rows a batch (one transaction) at a time. The worker runs it in the background when it
 * starts: once after the upgrade it has work, afterwards it finds none (the migration's partial indexes make
 * that a look at an empty index). Safe to repeat and beside other workers: a batch locks its rows, skips rows
 * another worker holds, and seals only numbers still in plaintext. An organization whose key cannot be used
 * (destroyed, or wrapped by a master key this process lacks) is skipped and logged; the next start tries again.
 */
export async function encryptPlaintextPhoneNumbers(
  deps: { db: Db; fields: FieldCipher; logger: Logger },
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<{ rows: number; skippedOrganizations: number }> {
  const { db, fields, logger } = deps;
  const batchSize = options.batchSize ?? 500;
  const result = { rows: 0, skippedOrganizations: 0 };
  for (const [table, columns] of TABLES) {
    const inPlaintext = (w: Knex.QueryBuilder) => {
      for (const c of columns) w.orWhereNotNull(columnOf(c));
    };
    /** Seals up to a batch of the organization's rows; returns how many. */
    const sealBatch = (orgId: string) =>
      db.transaction(async (trx) => {
        const rows: Array<Record<string, string | null>> = await trx(table).where({ org_id: orgId }).where(inPlaintext).select('id', ...columns.map(columnOf)).limit(batchSize).forUpdate().skipLocked();
        for (const row of rows) {
          const values = await Promise.all(columns.filter((c) => row[columnOf(c)] !== null).map((c) => sealPhone(fields, orgId, c, row[columnOf(c)]!)));
          await trx(table).where({ id: row.id }).update(Object.assign({}, ...values));
        }
        return rows.length;
      });
    const orgIds: string[] = (await db(table).where(inPlaintext).distinct('org_id')).map((r: { org_id: string }) => r.org_id);
    for (const orgId of orgIds) {
      try {
        let sealed: number;
        do {
          sealed = await sealBatch(orgId);
          result.rows += sealed;
        } while (sealed === batchSize && !options.signal?.aborted);
      } catch (err) {
        result.skippedOrganizations++;
        logger.warn({ err, orgId, table }, 'phone numbers of an organization left in plaintext for now');
      }
      if (options.signal?.aborted) return result;
    }
  }
  return result;
}
