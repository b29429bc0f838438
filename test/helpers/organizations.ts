import { randomInt } from 'node:crypto';
import { generateApiKey } from '../../src/accounts/auth/apiKeys';
import { apiKeysRepository } from '../../src/accounts/repositories/apiKeys';
import { withTenant } from '../../src/platform/db/tenancy';
import type { Services } from '../../src/services';
import { createOrganization } from '../../src/accounts/createOrganization';
import { toE164 } from '../../src/platform/phone';
import { uniqueName } from './stack';

/** A valid US number unlikely to collide with another test's (nothing is ever dialled in tests). */
export function randomPhone(): string {
  for (;;) {
    const candidate = `+1${[415, 646, 312, 617][randomInt(4)]}${randomInt(2, 10)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
    const e164 = toE164(candidate);
    if (e164) return e164;
  }
}

/**
 * An organization as the platform creates it, minus its weekly-report schedule and its billing cycle:
 * marked as scheduled and started, so no test's relay starts them for the run's hundreds of test
 * organizations (test/notifications.test.ts and test/billing.cycle.test.ts cover them).
 */
export async function makeOrganization(services: Services, overrides: { name?: string; phoneNumbers?: string[] } = {}) {
  const org = await createOrganization(services.db, services.keyring, {
    name: overrides.name ?? uniqueName('Org'),
    timeZone: 'America/New_York',
    phoneNumbers: overrides.phoneNumbers ?? [randomPhone()],
  });
  await services.db('organizations').where({ id: org.id }).update({ usage_report_time_zone: org.time_zone, billing_started_at: services.db.fn.now() });
  return org;
}

/** An API key of the organization (acts as an admin), for calling the admin API over HTTP. */
export async function apiKeyFor(services: Services, orgId: string): Promise<string> {
  const generated = generateApiKey();
  await withTenant(services.db, orgId, (trx) => apiKeysRepository(trx).create({ orgId, name: 'test', prefix: generated.prefix, hash: generated.hash, createdBy: null }));
  return generated.key;
}
