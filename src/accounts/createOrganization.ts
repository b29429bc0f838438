import type { Keyring } from '../platform/crypto/keyring';
import type { Db } from '../platform/db/knex';
import { dataKeysRepository } from '../platform/crypto/dataKeysRepository';
import { organizationsRepository, type NewOrganization, type OrganizationRow } from './repositories/organizations';
import { toE164 } from '../platform/phone';
import { isValidTimeZone } from '../platform/timeZones';

export class InvalidOrganizationError extends Error {
  override name = 'InvalidOrganizationError';
}

/** Creates an organization with its phone numbers and its first data key, all in one transaction. */
export async function createOrganization(
  db: Db,
  keyring: Keyring,
  input: NewOrganization & { phoneNumbers?: string[] },
): Promise<OrganizationRow> {
  if (!isValidTimeZone(input.timeZone)) throw new InvalidOrganizationError(`unknown time zone "${input.timeZone}"`);
  const numbers = (input.phoneNumbers ?? []).map((n) => {
    const e164 = toE164(n);
    if (!e164) throw new InvalidOrganizationError(`"${n}" is not a valid phone number`);
    return e164;
  });
  const transfer = input.transferE164 === undefined ? undefined : toE164(input.transferE164);
  if (input.transferE164 !== undefined && !transfer) throw new InvalidOrganizationError(`"${input.transferE164}" is not a valid phone number`);

  return db.transaction(async (trx) => {
    const orgs = organizationsRepository(trx);
    const org = await orgs.create({ ...input, transferE164: transfer });
    for (const e164 of numbers) await orgs.addPhoneNumber(org.id, e164);
    await keyring.ensureDataKey(org.id, dataKeysRepository(trx));
    return org;
  });
}
