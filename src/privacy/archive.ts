import { strToU8, zipSync } from 'fflate';
import type { FieldCipher } from '../platform/crypto/fieldEncryption';
import { openPhone, phoneMatch, type PhoneColumn } from '../platform/crypto/phoneNumbers';
import type { Db } from '../platform/db/knex';
import type { ExportScope, ExportSection } from '../platform/registration';
import { ProcessingLimits } from './processingLimits';

export type { ExportScope } from '../platform/registration';

/**
 * A portable export: one JSON file per kind of data, and CSV for calls and appointments, zipped, made of
 * every domain's export section for the scope (the whole organization, one person's own data in it, or
 * everything about one caller's number). Encrypted fields are decrypted. A file name two sections give is
 * an error, not an overwrite. An organization's export withholds the data of people who restricted its
 * processing, and says how many (`withheld.json`). Returns the archive and how many records of each kind it holds.
 */
export async function buildArchive(sections: readonly ExportSection[], db: Db, fields: FieldCipher, orgId: string, scope: ExportScope): Promise<{ zip: Uint8Array; counts: Record<string, number> }> {
  const decrypt = (context: string, value: Buffer | null) => (value ? fields.decrypt(orgId, context, value) : Promise.resolve(null));
  const phone = (context: PhoneColumn, row: object) => openPhone(fields, orgId, context, row);
  const caller = scope.scope === 'caller' ? await phoneMatch(fields, orgId, scope.e164) : undefined;
  const files: Record<string, unknown> = {};
  const csv: Record<string, string> = {};
  const add = (into: Record<string, unknown>, name: string, value: unknown) => {
    if (name in into) throw new Error(`export file ${name} is given by two sections`);
    into[name] = value;
  };
  const withheld = scope.scope === 'organization' ? await ProcessingLimits.load(db, fields, orgId) : ProcessingLimits.none;
  const restricted = { callers: withheld.callersLimited('exports').length, people: withheld.usersLimited('exports').length };
  if (restricted.callers + restricted.people > 0) add(files, 'withheld.json', { why: 'restricted processing (GDPR art. 18): kept, not exported', ...restricted });
  for (const section of sections.filter((s) => s.scopes.includes(scope.scope))) {
    const built = await section.build({ db, orgId, scope, decrypt, phone, caller, withheld });
    for (const [name, value] of Object.entries(built.json)) add(files, name, value);
    for (const [name, value] of Object.entries(built.csv ?? {})) add(csv, name, value);
  }
  const counts = Object.fromEntries(Object.entries(files).map(([name, value]) => [name.replace(/\.json$/, ''), Array.isArray(value) ? value.length : value ? 1 : 0]));
  const entries: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(files)) entries[name] = strToU8(JSON.stringify(value, null, 2));
  for (const [name, value] of Object.entries(csv)) entries[name] = strToU8(value);
  return { zip: zipSync(entries, { level: 6 }), counts };
}
