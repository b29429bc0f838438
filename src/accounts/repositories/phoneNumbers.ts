import type { Tx } from '../../platform/db/knex';
import { newId } from '../../platform/db/ids';
import { paginate, type Page } from '../../platform/db/pagination';

export interface PhoneNumberRow {
  id: string;
  org_id: string;
  e164: string;
  label: string;
  created_at: Date;
}

export class PhoneNumberTakenError extends Error {
  override name = 'PhoneNumberTakenError';
}

/** An organization's phone numbers, inside `withTenant`. A number is unique across all organizations. */
export function phoneNumbersRepository(trx: Tx) {
  return {
    list(page: { cursor?: string; limit: number }): Promise<Page<PhoneNumberRow & Record<string, unknown>>> {
      return paginate(trx('phone_numbers').select('*'), { column: 'id', ...page });
    },

    async add(orgId: string, e164: string, label: string): Promise<PhoneNumberRow> {
      // A savepoint, so a taken number leaves the surrounding transaction usable.
      try {
        return await trx.transaction(async (sp) => {
          const [row] = await sp<PhoneNumberRow>('phone_numbers').insert({ id: newId('pn'), org_id: orgId, e164, label }).returning('*');
          return row!;
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new PhoneNumberTakenError(e164);
        throw err;
      }
    },

    async remove(id: string): Promise<PhoneNumberRow | undefined> {
      const [row] = await trx<PhoneNumberRow>('phone_numbers').where({ id }).delete().returning('*');
      return row;
    },
  };
}
